from django.utils.translation import gettext as _

from skypark.accounts.customer_page import CustomerPanel, admin_link, changelist_url, customer_panel
from skypark.core.backoffice import place

from .models import Child

place("accounts", section="customers")
place("accounts", section="loyalty", models=["merchant", "merchantapikey", "merchantmembership"])


@customer_panel(order=60)
def children_panel(request, customer, scope):
    if not scope.everything or not request.user.has_perm("accounts.view_child"):
        return None
    children = list(Child.objects.filter(parent=customer).order_by("birth_date", "pk"))
    return CustomerPanel(
        key="children",
        title=_("Children"),
        columns=[_("name"), _("birth date"), _("gender"), _("active")],
        rows=[
            [admin_link(c, c.name), c.birth_date, c.get_gender_display(), _("yes") if c.is_active else _("no")]
            for c in children
        ],
        total=len(children),
        more_url=changelist_url(Child, parent__id__exact=customer.pk),
    )
