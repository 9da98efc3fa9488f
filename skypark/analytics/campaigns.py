"""Segments as campaign targets: export an RFM segment to a campaign, send it."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from skypark.notify.services import notification_send

from .models import SegmentCampaign
from .segments import SEGMENTS
from .selectors import rfm_segment_members


class UnknownSegment(ValueError):
    pass


@transaction.atomic
def segment_campaign_create(
    *, segment, snapshot_date, subject, message, merchant=None, currency="", channel="email", name="", created_by=None
) -> SegmentCampaign:
    """A draft campaign whose recipients are the segment's customers in the snapshot of
    ``snapshot_date`` (the network's, or ``merchant``'s), fixed now."""
    if segment not in SEGMENTS:
        raise UnknownSegment(segment)
    members = rfm_segment_members(
        scope=merchant.pk if merchant else 0, day=snapshot_date, segment=segment, currency=currency or None
    )
    return SegmentCampaign.objects.create(
        name=name or f"{SEGMENTS[segment]} · {snapshot_date:%Y-%m-%d}",
        merchant=merchant,
        segment=segment,
        currency=currency,
        snapshot_date=snapshot_date,
        channel=channel,
        subject=subject,
        message=message,
        recipient_ids=members,
        created_by=created_by,
    )


def segment_campaign_send(*, campaign_id) -> int:
    """Queues one notification per recipient; safe to run again (each message has a
    dedupe key, so a second run sends nothing new). Returns the notifications queued."""
    campaign = SegmentCampaign.objects.get(pk=campaign_id)
    sent = 0
    users = get_user_model().objects.filter(pk__in=campaign.recipient_ids, is_active=True)
    for user in users.iterator():
        notes = notification_send(
            recipient=user,
            kind="generic",
            context={"subject": campaign.subject, "body": campaign.message},
            channels=[campaign.channel],
            related=campaign,
            dedupe_key=f"analytics.campaign:{campaign.pk}:{user.pk}",
        )
        sent += len(notes)
    SegmentCampaign.objects.filter(pk=campaign.pk).update(status=SegmentCampaign.Status.SENT, sent_at=timezone.now())
    return sent
