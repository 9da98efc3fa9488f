from .services import schedules_install


def seed(out):
    schedules_install()
