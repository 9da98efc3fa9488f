"""Outgoing HTTP to addresses partners supply (webhooks): the only client the platform
uses for such URLs. See ``transport``."""
