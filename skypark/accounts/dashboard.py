from datetime import timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from skypark.core.dashboard import Figure, Panel, Series, register

from .customer_page import customers_visible_to
from .models import User


@register(scope="customer")
def customers_panel(request):
    if not request.user.has_perm("accounts.view_user"):
        return None
    today = timezone.localdate()
    start = today - timedelta(days=13)
    # Merchant staff count the sign-ups of their own merchants' customers only.
    customers = customers_visible_to(request.user, User.objects.filter(is_staff=False))
    per_day = dict(
        customers.filter(date_joined__date__gte=start)
        .annotate(day=TruncDate("date_joined"))
        .values_list("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    points = [
        ((start + timedelta(days=i)).strftime("%d.%m"), per_day.get(start + timedelta(days=i), 0)) for i in range(14)
    ]
    return Panel(
        title=_("Customers"),
        figures=[
            Figure(_("New today"), per_day.get(today, 0)),
            Figure(_("New in 14 days"), sum(n for _d, n in points)),
        ],
        series=[Series(_("Sign-ups per day, last 14 days"), points)],
        link=reverse("admin:accounts_user_changelist"),
        order=90,
    )
