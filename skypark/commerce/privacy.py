"""Personal data held by commerce: orders with their lines, payments and refunds. They are
kept on erasure (bookkeeping); what named a person in them is scrubbed by the domain that
wrote it. An order still waiting for payment blocks the erasure."""

from django.utils.translation import gettext as _

from skypark.privacy.registry import Section, not_personal, register, rows

from .models import Order, OrderLine, OrderStatus, Payment, Refund


def export(user):
    orders = Order.objects.filter(customer=user).order_by("pk")
    return {
        "orders": rows(orders),
        "order_lines": rows(OrderLine.objects.filter(order__customer=user).order_by("pk"), exclude=("content_type",)),
        "payments": rows(Payment.objects.filter(order__customer=user).order_by("pk")),
        "refunds": rows(Refund.objects.filter(order__customer=user).order_by("pk"), exclude=("created_by",)),
    }


def blockers(user):
    pending = list(
        Order.objects.filter(customer=user, status=OrderStatus.PENDING_PAYMENT).values_list("reference", flat=True)
    )
    if pending:
        return [
            _("Order %(references)s is waiting for payment: pay for it or let it expire, then ask again.")
            % {"references": ", ".join(pending)}
        ]
    return []


register(Section(key="orders", export=export, blockers=blockers, covers=("commerce.Order.customer",), order=30))
not_personal("commerce.Refund.created_by", reason="the member of staff who made the refund")
