"""The analytics jobs, named as the network's data-replication plan names them."""

from celery import shared_task


@shared_task(acks_late=True)
def sync_transactions_to_clickhouse():
    """Every 5 minutes: every fact source, from its watermark; then the web events the store
    holds and the database no longer needs are removed from the database."""
    from .sync import facts_sync
    from .web import web_events_purge

    counts = facts_sync()
    web_events_purge()
    return counts


@shared_task(acks_late=True)
def calculate_rfm_snapshots():
    """Daily at 02:00: today's RFM snapshot, network-wide and per merchant."""
    from .engines import get_engine
    from .rfm import rfm_snapshot_create

    rows = rfm_snapshot_create()
    get_engine().compact()
    return rows


@shared_task(acks_late=True)
def aggregate_cross_promo_conversions():
    """Hourly: the win-win matrix for the last hours, each hour replaced."""
    from .engines import get_engine
    from .matrix import matrix_aggregate_recent

    rows = matrix_aggregate_recent()
    get_engine().compact()
    return rows


@shared_task(acks_late=True)
def send_segment_campaign(campaign_id):
    from .campaigns import segment_campaign_send

    return segment_campaign_send(campaign_id=campaign_id)
