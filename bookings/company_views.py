"""The company booking page: a company names the staff it sends, gives its invoice details
(purchase order, VAT number, accounts e-mail) and pays by invoice; and the booker's copy
of the invoice PDF. No JavaScript needed."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from . import selectors, services
from .company import CompanyInvoice
from .forms import BookingForm
from .invoice_pdf import invoice_pdf
from .models import Booking
from .views import SessionBookView


class CompanyBookingForm(BookingForm):
    company_name = forms.CharField(label=_("Company name"), max_length=200)
    company_address = forms.CharField(label=_("Invoice address"), widget=forms.Textarea(attrs={"rows": 3}))
    purchase_order = forms.CharField(label=_("Purchase-order number"), max_length=40)
    vat_number = forms.CharField(label=_("VAT number (optional)"), max_length=20, required=False)
    contact_email = forms.EmailField(label=_("Accounts e-mail (the invoice goes here)"))

    def company(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("company_name", "company_address", "purchase_order", "vat_number", "contact_email")
        }


class CompanyBookView(SessionBookView):
    """Quote as on the session page; placing holds the places and issues the invoice,
    then shows the booking (nothing to pay by card)."""

    template_name = "bookings/company_book.html"
    form_class = CompanyBookingForm
    error_fields = {**SessionBookView.error_fields, "invalid_attendees": "attendee_0_name"}

    def place(self, form):
        return services.company_booking_create(
            customer=self.request.user,
            session=self.subject,
            attendees=form.attendees(),
            discount_code=form.cleaned_data["discount_code"],
            **form.company(),
        )

    def order_of(self, placed):
        return None

    def placed_url(self, invoice):
        return reverse("bookings:booking-detail", args=[invoice.booking.reference])


company_book = CompanyBookView.as_view()


@never_cache
@login_required
def invoice_download(request, reference):
    """The booker's copy of their company invoice."""
    try:
        booking = selectors.booking_get(customer=request.user, reference=reference)
        invoice = CompanyInvoice.objects.select_related("booking__session__course").get(booking=booking)
    except (Booking.DoesNotExist, CompanyInvoice.DoesNotExist):
        raise Http404
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
    return response
