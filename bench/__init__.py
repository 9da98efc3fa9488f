"""Load and scale benchmarks: ``python -m bench`` (see bench/README.md)."""
