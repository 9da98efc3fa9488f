from django.contrib.auth import get_user_model

from skypark.core.errors import DomainError
from skypark.core.jobs import job_handler

from .models import Order
from .services import order_refund


@job_handler("commerce.refund_orders")
def refund_orders(job, progress):
    """Refund each order in full. An order already refunded is refused by the service
    and reported, so running the job again refunds nothing twice."""
    ids = job.params["order_ids"]
    actor = get_user_model().objects.filter(pk=job.created_by_id).first()
    refunded, refused = [], []
    for done, order in enumerate(Order.objects.filter(pk__in=ids).order_by("pk"), start=1):
        try:
            order_refund(order=order, amount=None, reason=job.params.get("reason", ""), actor=actor)
        except DomainError as exc:
            refused.append(order.reference)
            progress(done, len(ids), error=f"{order.reference}: {exc.message}")
        else:
            refunded.append(order.reference)
            progress(done, len(ids))
    return {"refunded": refunded, "refused": refused}
