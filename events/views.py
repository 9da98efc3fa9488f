"""Customer pages (browse, register, my registrations, badges, leaderboards) and the
staff check-in page. No JavaScript needed: every action is a plain form post."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from skypark.commerce import qr
from skypark.commerce.cancelling import cancelled_message
from skypark.commerce.purchase import PurchaseView
from skypark.core.errors import DomainError
from skypark.core.scanner import ScannerView

from . import selectors, services
from .forms import CheckInForm, EventFilterForm, GroupRegisterForm, LeaderboardForm
from .models import Event, EventType, Registration


def event_list(request):
    form = EventFilterForm(request.GET or None)
    events = selectors.event_list(**form.filters())[:100]
    return render(request, "events/event_list.html", {"form": form, "events": events})


def _event(pk) -> Event:
    try:
        return selectors.event_get(pk=pk)
    except Event.DoesNotExist:
        raise Http404


def event_detail(request, pk):
    event = _event(pk)
    registration = selectors.registration_for(customer=request.user, event=event)
    return render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "registration": registration,
            "position": services.waitlist_position(registration) if registration else None,
            "refusal": services.registration_refusal(event),
            "deadline": services.cancellation_deadline(event),
            "form": GroupRegisterForm(customer=request.user if request.user.is_authenticated else None),
        },
    )


class EventRegisterView(PurchaseView):
    """Registering from the event page (which shows price and places to anyone): a paid
    place goes to payment, a free one or the waiting list to the registration."""

    http_method_names = ["post"]
    form_class = GroupRegisterForm
    template_name = "events/event_detail.html"
    subject_name = "event"

    def get_subject(self, pk):
        return _event(pk)

    def get_form_kwargs(self) -> dict:
        user = self.request.user
        return {"customer": user if user.is_authenticated else None}

    def get_context_data(self, **kwargs) -> dict:
        event = self.subject
        return {
            "event": event,
            "refusal": services.registration_refusal(event),
            "deadline": services.cancellation_deadline(event),
            **kwargs,
        }

    def is_placing(self):
        return True

    def resume_url(self):
        return reverse("events:event-detail", args=[self.subject.pk])

    def place(self, form):
        return services.registration_create(
            customer=self.request.user,
            event=self.subject,
            attendees=form.attendees(),
            split_if_needed=form.cleaned_data.get("split_if_needed", False),
        )

    def refused(self, form, exc, context):
        messages.error(self.request, exc.message)
        return redirect(self.resume_url())

    def placed_url(self, registration):
        if registration.status == Registration.Status.WAITLISTED:
            messages.info(self.request, _("The event is full: you are on the waiting list."))
        else:
            messages.success(self.request, _("You are registered."))
        return reverse("events:registration-detail", args=[registration.pk])


event_register = EventRegisterView.as_view()


@login_required
def registration_list(request):
    registrations = selectors.registration_list(customer=request.user)
    return render(request, "events/registration_list.html", {"registrations": registrations})


def _mine(request, pk) -> Registration:
    try:
        return selectors.registration_get(customer=request.user, pk=pk)
    except Registration.DoesNotExist:
        raise Http404


@never_cache
@login_required
def registration_detail(request, pk):
    registration = _mine(request, pk)
    svg = qr.qr_svg(registration.qr_code) if registration.shows_code and registration.qr_code else ""
    return render(
        request,
        "events/registration_detail.html",
        {
            "registration": registration,
            "event": registration.event,
            "qr_svg": svg,
            "position": services.waitlist_position(registration),
            "deadline": services.cancellation_deadline(registration.event),
        },
    )


@never_cache
@login_required
def registration_qr_png(request, pk):
    registration = _mine(request, pk)
    if not (registration.shows_code and registration.qr_code):
        raise Http404
    response = HttpResponse(qr.qr_png(registration.qr_code), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="event-{registration.backup_code}.png"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def registration_cancel(request, pk):
    """GET shows what cancelling gives back now under the events policy; POST cancels.
    A registration already cancelled (a second click) goes back to its page."""
    registration = _mine(request, pk)
    if request.method == "POST" and registration.status == Registration.Status.CANCELLED:
        messages.info(request, _("This registration is already cancelled."))
        return redirect("events:registration-detail", registration.pk)
    if request.method == "POST":
        try:
            registration = services.registration_cancel(registration=registration, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            refunded = 0
            if registration.order_id:
                registration.order.refresh_from_db()
                refunded = registration.order.refunded_total
            messages.success(request, cancelled_message(refunded, registration.event.currency))
        return redirect("events:registration-detail", registration.pk)
    return render(
        request,
        "events/registration_cancel.html",
        {
            "heading": _("Cancel my registration"),
            "registration": registration,
            "event": registration.event,
            "quote": services.registration_refund_quote(registration=registration),
            "refusal": services.registration_cancel_refusal(registration),
            "deadline": services.cancellation_deadline(registration.event),
            "back_url": reverse("events:registration-detail", args=[registration.pk]),
        },
    )


@login_required
@require_POST
def registration_accept(request, pk):
    registration = _mine(request, pk)
    try:
        registration = services.registration_offer_accept(registration=registration)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("events:registration-detail", registration.pk)
    if registration.status == Registration.Status.PENDING_PAYMENT:
        return redirect("commerce:order-pay", registration.order.reference)
    return redirect("events:registration-detail", registration.pk)


@require_POST
@login_required
def registration_attendee_cancel(request, pk, attendee_id):
    """One person of the customer's group stops coming (see
    ``services.registration_attendee_cancel``)."""
    registration = _mine(request, pk)
    try:
        _registration, refunded = services.registration_attendee_cancel(
            registration=registration, attendee_id=attendee_id, actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        currency = registration.order.currency if registration.order_id else registration.event.currency
        messages.success(request, cancelled_message(refunded, currency))
    return redirect("events:registration-detail", registration.pk)


@login_required
def me(request):
    summary = selectors.member_summary(customer=request.user)
    return render(request, "events/me.html", {"summary": summary})


def leaderboard(request):
    form = LeaderboardForm(request.GET or None)
    period, type_code = "week", ""
    if form.is_valid():
        period = form.cleaned_data["period"] or "week"
        type_code = form.cleaned_data["type"] or ""
    event_type = EventType.objects.filter(code=type_code).first() if type_code else None
    board = selectors.leaderboard(period=period, event_type=event_type, customer=request.user, limit=20)
    in_top = board.me is not None and any(row.customer_id == board.me.customer_id for row in board.top)
    return render(request, "events/leaderboard.html", {"form": form, "board": board, "me_in_top": in_top})


class CheckInView(ScannerView):
    """The staff check-in page: a typed, pasted or scanner-typed code gets a big
    verdict. The event stays selected between scans."""

    title = gettext_lazy("Event check-in")
    form_class = CheckInForm
    permission = "events.change_registration"
    remember = ("event",)
    template_name = "events/check_in.html"

    def scan(self, data):
        return services.registration_check_in(code=data["code"], event=data["event"], staff=self.request.user)


check_in = CheckInView.as_view()
