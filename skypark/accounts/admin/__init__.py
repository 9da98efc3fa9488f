"""Back-office of accounts: users (customers and staff) with their children in ``users``,
merchants with their staff, API keys and plans in ``merchants``. Importing this package
registers them all."""

from . import merchants, users  # noqa: F401
