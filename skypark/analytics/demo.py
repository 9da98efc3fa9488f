from django.core.management import call_command

from .schedules import schedules_install


def seed(command):
    call_command("analytics_migrate", stdout=command.stdout)
    schedules_install()
