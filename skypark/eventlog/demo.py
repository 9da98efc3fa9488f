"""The partition job (no demo data of its own)."""

from .services import partitions_ensure, schedules_install


def seed(command):
    schedules_install()
    partitions_ensure()
