"""Analytics keeps little personal data of its own: facts and RFM snapshots hold ids (and
are erased with the analytical store's retention); campaigns name the staff member who made
them. Web events name the customer who was logged in: exported with the account and
deleted when it is erased."""

from skypark.privacy.registry import Section, not_personal, register

not_personal("analytics.SegmentCampaign.created_by", reason="the member of staff who sent the campaign")


def _export(user):
    from .models import WebEvent

    return [
        {"at": e.created_at.isoformat(), "kind": e.kind, "page": e.path, "device": e.device_type}
        for e in WebEvent.objects.filter(user=user).order_by("created_at", "pk")
    ]


def _erase(user):
    from .models import WebEvent

    WebEvent.objects.filter(user=user).delete()


register(Section(key="web_events", export=_export, erase=_erase, covers=("analytics.WebEvent.user",)))
