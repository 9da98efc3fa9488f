"""Gates that keep working offline: signed ticket codes a gate verifies by itself
(``signing``), the devices registered to a park (``devices``), the scans they upload and
the deterministic merge that turns them into admissions, exits and reported double
entries (``rules``, ``merge``), and the day's pack a gate downloads (``packs``)."""
