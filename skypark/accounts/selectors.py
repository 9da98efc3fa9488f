"""Reads for customers' accounts."""

from .models import AuthSession


def active_sessions(*, user):
    """The signed-in devices of ``user`` that have not ended, the most recently used first."""
    return AuthSession.objects.filter(user=user, revoked_at__isnull=True).order_by("-last_used_at", "-pk")
