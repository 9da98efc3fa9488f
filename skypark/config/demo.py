from skypark.config.services import system_settings_seed


def seed(command):
    created = system_settings_seed()
    if created:
        command.stdout.write(f"  {created} system setting(s) created with their defaults")
