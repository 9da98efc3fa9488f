"""Forms of the customer pages and the admin. Shape only: the services decide."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skypark.core.widgets import DateInput

from . import services
from .errors import InvalidSession, ScheduleClash
from .models import CourseSession, Venue
from .services.days import days_parse, venue_datetime

ATTENDEE_ROWS = 6


class SessionFilterForm(forms.Form):
    city = forms.ChoiceField(label=_("City"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args, cities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].choices = [("", _("All cities"))] + [(c, c) for c in cities]


class BookingForm(forms.Form):
    """Who is coming and an optional discount code: the customer (ticked), any of their
    children, adults named one per line (family), and people named with an e-mail
    (colleagues). Choosing nobody books one place for the customer. ``split_if_needed``
    only matters when the group joins the waiting list."""

    include_me = forms.BooleanField(label=_("I am coming too"), required=False)
    children = forms.MultipleChoiceField(
        label=_("Your children coming"), required=False, widget=forms.CheckboxSelectMultiple
    )
    adults = forms.CharField(
        label=_("Adults coming"),
        help_text=_("One name per line: family members or friends."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    discount_code = forms.CharField(label=_("Discount code"), max_length=50, required=False)
    notes = forms.CharField(
        label=_("Notes for the trainer (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    split_if_needed = forms.BooleanField(
        label=_("Split if needed"),
        help_text=_("On the waiting list: if the whole group does not fit, those who fit get places first."),
        required=False,
    )

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        children = customer.children.filter(is_active=True) if customer is not None else []
        self.children_by_pk = {str(child.pk): child for child in children}
        self.fields["children"].choices = [(pk, child.name) for pk, child in self.children_by_pk.items()]
        for i in range(ATTENDEE_ROWS):
            self.fields[f"attendee_{i}_name"] = forms.CharField(
                label=_("Attendee %(n)s: name") % {"n": i + 1}, max_length=255, required=False
            )
            self.fields[f"attendee_{i}_email"] = forms.EmailField(
                label=_("Attendee %(n)s: e-mail") % {"n": i + 1}, required=False
            )

    def attendee_rows(self):
        return [(self[f"attendee_{i}_name"], self[f"attendee_{i}_email"]) for i in range(ATTENDEE_ROWS)]

    def clean(self):
        data = super().clean()
        for i in range(ATTENDEE_ROWS):
            if data.get(f"attendee_{i}_email") and not data.get(f"attendee_{i}_name"):
                self.add_error(f"attendee_{i}_name", _("Give this attendee's name."))
        return data

    def attendees(self):
        data = self.cleaned_data
        people = []
        if data.get("include_me") and self.customer is not None:
            people.append({"name": self.customer.name or str(self.customer), "email": self.customer.email or ""})
        people += [{"name": self.children_by_pk[pk].name, "email": ""} for pk in data.get("children") or []]
        people += [
            {"name": line.strip()[:255], "email": ""}
            for line in (data.get("adults") or "").splitlines()
            if line.strip()
        ]
        for i in range(ATTENDEE_ROWS):
            name = self.cleaned_data.get(f"attendee_{i}_name")
            if name:
                people.append({"name": name, "email": self.cleaned_data.get(f"attendee_{i}_email") or ""})
        return people


class VerifyForm(forms.Form):
    number = forms.CharField(label=_("Certificate number"), max_length=30)


class VenueAdminForm(forms.ModelForm):
    class Meta:
        model = Venue
        fields = (
            "name",
            "address_line1",
            "address_line2",
            "city",
            "postcode",
            "country",
            "capacity",
            "facilities",
            "parking_info",
            "is_active",
        )


class SessionAdminForm(forms.ModelForm):
    """The admin's session form runs the service's checks (capacity against the venue
    and course, instructor role, hours, overlaps on every day) so staff see a message on
    the field. Times are read on the venue's clocks: 09:30 at a Leeds venue is 09:30
    Europe/London whatever the platform's zone. The first day is ``starts_at``–
    ``ends_at``; a course over several days lists the further days, one a line."""

    further_days = forms.CharField(
        label=_("Further days"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "2027-04-14 09:30-16:30"}),
        help_text=_(
            "For a course over several days: one line per further day, e.g. 2027-04-14 09:30-16:30, "
            "in the venue's time. The first day is the start and end above."
        ),
    )

    class Meta:
        model = CourseSession
        fields = ("course", "venue", "instructor", "starts_at", "ends_at", "capacity", "notes")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.days = None
        session = self.instance
        if session.pk:
            zone = session.venue.zone
            stored = list(session.days.order_by("starts_at"))
            if stored:
                first = stored[0]
                self.initial["starts_at"] = _wall_clock(first.starts_at, zone)
                self.initial["ends_at"] = _wall_clock(first.ends_at, zone)
                self.initial["further_days"] = "\n".join(
                    f"{day.local_starts_at:%Y-%m-%d %H:%M}-{day.local_ends_at:%H:%M}" for day in stored[1:]
                )
        self.fields["instructor"].queryset = services.instructors()
        self.fields["capacity"].required = False
        self.fields["capacity"].help_text = _("Empty: the smaller of the course's and the venue's capacity.")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        session = self.instance
        venue = data.get("venue")
        for name in ("starts_at", "ends_at"):
            data[name] = venue_datetime(data.get(name), venue)
        try:
            further = days_parse(data.get("further_days") or "", venue)
        except ValueError as exc:
            self.add_error(
                "further_days",
                _("Line %(n)s: write the day as 2027-04-14 09:30-16:30.") % {"n": exc.args[0]},
            )
            return data
        self.days = sorted([(data["starts_at"], data["ends_at"]), *further]) if further else None
        if self.days:
            data["starts_at"], data["ends_at"] = self.days[0][0], self.days[-1][1]
        for name in self.Meta.fields:
            if name in data:
                setattr(session, name, data[name])
        if session.capacity is None and session.course_id and session.venue_id:
            session.capacity = min(session.course.max_capacity, session.venue.capacity)
            data["capacity"] = session.capacity
        days = self.days or [(data["starts_at"], data["ends_at"])]
        try:
            services.session_validate(session, days)
        except InvalidSession as exc:
            for field, message in exc.details.items():
                if field == "days":
                    field = "further_days"
                self.add_error(field if field in self.fields else None, message)
        except ScheduleClash as exc:
            self.add_error("further_days" if self.days else "starts_at", exc.message)
        return data


def _wall_clock(value, zone):
    """The venue's clock reading, shown by the admin's widgets as it is typed."""
    return timezone.make_aware(value.astimezone(zone).replace(tzinfo=None))
