"""``python -m bench [--scenario NAME] [--quick] [--chart]`` (``make bench [S=NAME]``).

Runs the scenarios one after another, prints one JSON object per line (each scenario's
last line is its summary) and exits 1 when any correctness counter is not 0.
"""

import argparse
import sys

from bench.harness import run_scenarios
from bench.scenarios import PENDING, REGISTRY


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", "-s", action="append", choices=sorted(REGISTRY), help="repeatable; default all")
    parser.add_argument("--quick", action="store_true", help="small data and few requests (CI)")
    parser.add_argument("--chart", action="store_true", help="also draw bench/results/<scenario>.png")
    parser.add_argument("--list", action="store_true", help="list the scenarios, built and pending")
    args = parser.parse_args(argv)
    if args.list:
        for name in REGISTRY:
            print(f"{name}: built")
        for name, reason in PENDING.items():
            print(f"{name}: pending - {reason}")
        return 0
    return run_scenarios(args.scenario or list(REGISTRY), quick=args.quick, chart=args.chart)


if __name__ == "__main__":
    sys.exit(main())
