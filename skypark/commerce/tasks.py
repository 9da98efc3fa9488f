from celery import shared_task

from .services import orders_expire


@shared_task(acks_late=True, ignore_result=True)
def orders_expire_unpaid():
    """Expire unpaid orders past their deadline. Safe to run twice or to be killed:
    the sweep commits in batches and re-checks every order under its lock."""
    return orders_expire()


@shared_task(acks_late=True, ignore_result=True)
def payments_poll():
    """Ask the gateways about payments still processing (and recently cancelled ones)
    and settle what they say. Safe to run twice: settling is idempotent."""
    from .settling import payments_poll as poll

    return poll()
