from skypark.webhooks.services import schedules_install


def seed(command):
    schedules_install()
