"""The privacy app's own data and the user references of Django and library apps."""

from .registry import Section, not_personal, register, rows


def export(user):
    from .models import ErasureRequest

    return {"erasure_requests": rows(ErasureRequest.objects.filter(user=user), exclude=("decided_by",))}


register(Section(key="privacy", export=export, covers=("privacy.ErasureRequest.user",), order=900))
not_personal("privacy.ErasureRequest.decided_by", reason="the member of staff who decided")
not_personal("admin.LogEntry.user", reason="the member of staff who changed something in the admin")
not_personal(
    "token_blacklist.OutstandingToken.user",
    reason="log-in credentials, not data about the person; every one is revoked by the erasure",
)
