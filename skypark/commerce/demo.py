from skypark.commerce.services import schedules_install


def seed(command):
    schedules_install()
