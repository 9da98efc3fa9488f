"""The notification sweep's periodic job (no demo data of its own)."""

from .services import schedules_install


def seed(command):
    schedules_install()
