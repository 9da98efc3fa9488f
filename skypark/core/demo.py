from .roles import role_groups_sync


def seed(command):
    groups = role_groups_sync()
    command.stdout.write(f"Staff roles (groups): {', '.join(groups)}")
