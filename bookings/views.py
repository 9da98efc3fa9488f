"""Customer pages (catalogue, sessions, booking, my bookings, certificates), the public
certificate check and the instructors' roster. No JavaScript needed: every action is a
plain form post."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from skypark.commerce.cancelling import cancelled_message
from skypark.commerce.purchase import PurchaseView
from skypark.core.errors import DomainError

from . import selectors, services
from .documents import PDF_MIMETYPE, certificate_pdf
from .forms import BookingForm, SessionFilterForm, VerifyForm
from .models import Attendee, Booking, Certificate, Course, CourseSession, WaitlistEntry


def course_list(request):
    courses = selectors.course_list()
    return render(request, "bookings/course_list.html", {"courses": courses})


def _filtered_sessions(request, course=None):
    form = SessionFilterForm(request.GET or None, cities=selectors.city_list())
    filters = form.cleaned_data if form.is_valid() else {}
    sessions = selectors.session_list(
        course=course,
        city=filters.get("city") or "",
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    return form, sessions


def course_detail(request, pk):
    try:
        course = selectors.course_get(pk=pk)
    except Course.DoesNotExist:
        raise Http404
    form, sessions = _filtered_sessions(request, course=course)
    return render(request, "bookings/course_detail.html", {"course": course, "form": form, "sessions": sessions})


def session_list(request):
    form, sessions = _filtered_sessions(request)
    return render(request, "bookings/session_list.html", {"form": form, "sessions": sessions})


class SessionBookView(PurchaseView):
    """A session's page: price (with a discount code) and places for anyone, then booking."""

    template_name = "bookings/session_book.html"
    form_class = BookingForm
    place_button = "book"
    error_fields = {"discount_refused": "discount_code"}
    subject_name = "session"

    def get_form_kwargs(self):
        user = self.request.user
        return {"customer": user if user.is_authenticated else None}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["waitlist_open"] = (
            self.subject.status == CourseSession.Status.FULL
            or WaitlistEntry.objects.filter(session=self.subject, status=WaitlistEntry.Status.WAITING).exists()
        )
        return context

    def post(self, request, *args, **kwargs):
        if "waitlist" not in request.POST:
            return super().post(request, *args, **kwargs)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
        form = self.build_form(request.POST)
        if not form.is_valid():
            return self.render(form)
        data = form.cleaned_data
        try:
            entry = services.waitlist_join(
                customer=request.user,
                session=self.subject,
                attendees=form.attendees(),
                split_if_needed=data["split_if_needed"],
                discount_code=data["discount_code"],
                notes=data["notes"],
            )
        except DomainError as exc:
            return self.refused(form, exc, {})
        if entry.status == WaitlistEntry.Status.OFFERED:
            messages.success(request, _("Places were free at once: they are held for you below."))
        else:
            messages.success(request, _("You are on the waiting list. We will e-mail you when places free up."))
        return redirect("bookings:waitlist")

    def get_subject(self, pk):
        try:
            session = selectors.session_get(pk=pk)
        except CourseSession.DoesNotExist:
            raise Http404
        if session.status not in CourseSession.OPEN_STATUSES:
            raise Http404
        return session

    def quote(self, form):
        places = max(len(form.attendees()), 1)
        price = services.price_quote(
            session=self.subject, places=places, discount_code=form.cleaned_data["discount_code"]
        )
        return {"price": price}

    def place(self, form):
        data = form.cleaned_data
        return services.booking_create(
            customer=self.request.user,
            session=self.subject,
            attendees=form.attendees(),
            discount_code=data["discount_code"],
            notes=data["notes"],
        )

    def placed_url(self, booking):
        return reverse("bookings:booking-detail", args=[booking.reference])


session_book = SessionBookView.as_view()


@login_required
def booking_list(request):
    bookings = selectors.booking_list(customer=request.user)
    return render(request, "bookings/booking_list.html", {"bookings": bookings})


def _my_booking(request, reference) -> Booking:
    try:
        return selectors.booking_get(customer=request.user, reference=reference)
    except Booking.DoesNotExist:
        raise Http404


def _can_cancel(booking) -> bool:
    return booking.is_active and booking.session.starts_at > timezone.now()


@never_cache
@login_required
def booking_detail(request, reference):
    booking = _my_booking(request, reference)
    can_cancel = _can_cancel(booking)
    refund = services.refund_due(booking=booking) if can_cancel else None
    return render(
        request,
        "bookings/booking_detail.html",
        {
            "booking": booking,
            "can_cancel": can_cancel,
            "refund": refund,
            "policy_steps": selectors.cancellation_policy().steps(booking.session.starts_at),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def booking_cancel(request, reference):
    """GET shows what cancelling gives back now; POST cancels. A booking already
    cancelled (a second click) goes back to its page with a note, refunding nothing."""
    booking = _my_booking(request, reference)
    if not booking.is_active:
        if request.method == "POST" and booking.status == Booking.Status.CANCELLED:
            messages.info(request, _("This booking is already cancelled."))
        return redirect("bookings:booking-detail", booking.reference)
    if request.method == "POST":
        try:
            booking = services.booking_cancel(
                booking=booking, actor=request.user, reason=request.POST.get("reason", "")[:255]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, cancelled_message(booking.refunded_amount, booking.currency))
        return redirect("bookings:booking-detail", booking.reference)
    refusal = "" if _can_cancel(booking) else _("The session has already started.")
    return render(
        request,
        "bookings/booking_cancel.html",
        {
            "heading": _("Cancel booking %(reference)s") % {"reference": booking.reference},
            "booking": booking,
            "quote": services.refund_due(booking=booking),
            "refusal": refusal,
            "back_url": reverse("bookings:booking-detail", args=[booking.reference]),
        },
    )


@never_cache
@login_required
def certificate_download(request, number):
    try:
        certificate = selectors.certificate_get(number=number)
    except Certificate.DoesNotExist:
        raise Http404
    if certificate.booking.customer_id != request.user.pk and not request.user.has_perm("bookings.view_certificate"):
        raise Http404
    response = HttpResponse(certificate_pdf(certificate), content_type=PDF_MIMETYPE)
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
    return response


def certificate_verify(request, number=None):
    """Public: anyone with a number can see whether the certificate is genuine and
    valid. Shows the learner's name, course and dates only."""
    if number is None and request.GET.get("number"):
        return redirect("bookings:certificate-verify", request.GET["number"].strip().upper()[:30])
    form = VerifyForm(initial={"number": number} if number else None)
    certificate = None
    if number:
        certificate = Certificate.objects.select_related("course").filter(number=number.strip().upper()).first()
    return render(
        request,
        "bookings/certificate_verify.html",
        {"form": form, "number": number, "certificate": certificate},
        status=404 if number and certificate is None else 200,
    )


@never_cache
@staff_member_required
@require_http_methods(["GET", "POST"])
def roster(request, pk):
    """The attendance list of one session. Instructors see their own sessions; staff who
    may change sessions see all."""
    try:
        session = selectors.session_get(pk=pk)
    except CourseSession.DoesNotExist:
        raise Http404
    user = request.user
    if not user.has_perm("bookings.mark_attendance"):
        raise Http404
    if session.instructor_id != user.pk and not user.has_perm("bookings.change_coursesession"):
        raise Http404
    if request.method == "POST":
        attendee = Attendee.objects.filter(pk=request.POST.get("attendee"), booking__session=session).first()
        if attendee is None:
            raise Http404
        day = session.days.filter(pk=request.POST.get("day")).first() if request.POST.get("day") else None
        try:
            services.attendance_mark(attendee=attendee, present=request.POST.get("present") == "1", actor=user, day=day)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Attendance saved for %(name)s.") % {"name": attendee.name})
        return redirect("bookings:roster", session.pk)
    days, bookings = selectors.roster_grid(session=session)
    return render(request, "bookings/roster.html", {"session": session, "days": days, "bookings": bookings})


@never_cache
@login_required
def waitlist(request):
    """The customer's places on course waiting lists: their position, and any places
    offered to them with the time the offer lapses."""
    entries = selectors.waitlist_list(customer=request.user)
    return render(request, "bookings/waitlist.html", {"entries": entries})


@never_cache
@login_required
@require_http_methods(["POST"])
def waitlist_answer(request, pk):
    """Accept an offer (book the places held: to payment if anything is due), decline
    it, or leave the list. A second click finds nothing to do and says so."""
    entry = WaitlistEntry.objects.filter(customer=request.user, pk=pk).first()
    if entry is None:
        raise Http404
    if request.POST.get("answer") == "accept":
        try:
            booking = services.waitlist_offer_accept(entry=entry)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("bookings:waitlist")
        if booking.order is not None and booking.order.is_payable:
            return redirect("commerce:order-pay", booking.order.reference)
        return redirect("bookings:booking-detail", booking.reference)
    was_offered = entry.status == WaitlistEntry.Status.OFFERED
    entry = services.waitlist_leave(entry=entry, actor=request.user)
    if entry.status == WaitlistEntry.Status.CANCELLED:
        messages.success(
            request,
            _("You declined the offer; the places go to the next group.")
            if was_offered
            else _("You left the waiting list."),
        )
    return redirect("bookings:waitlist")
