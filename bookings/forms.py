"""Forms of the customer pages and the admin. Shape only: the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from skypark.core.widgets import DateInput

from . import services
from .errors import InvalidSession, ScheduleClash
from .models import CourseSession, Venue

ATTENDEE_ROWS = 6


class SessionFilterForm(forms.Form):
    city = forms.ChoiceField(label=_("City"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args, cities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].choices = [("", _("All cities"))] + [(c, c) for c in cities]


class BookingForm(forms.Form):
    """Who is coming and an optional discount code. Leaving every attendee row empty
    books one place for the customer."""

    discount_code = forms.CharField(label=_("Discount code"), max_length=50, required=False)
    notes = forms.CharField(
        label=_("Notes for the trainer (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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
        people = []
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
    and course, instructor role, overlaps) so staff see a message on the field."""

    class Meta:
        model = CourseSession
        fields = ("course", "venue", "instructor", "starts_at", "ends_at", "capacity", "notes")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instructor"].queryset = services.instructors()
        self.fields["capacity"].required = False
        self.fields["capacity"].help_text = _("Empty: the smaller of the course's and the venue's capacity.")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        session = self.instance
        for name in self.Meta.fields:
            if name in data:
                setattr(session, name, data[name])
        if session.capacity is None and session.course_id and session.venue_id:
            session.capacity = min(session.course.max_capacity, session.venue.capacity)
            data["capacity"] = session.capacity
        try:
            services.session_validate(session)
        except InvalidSession as exc:
            for field, message in exc.details.items():
                self.add_error(field if field in self.fields else None, message)
        except ScheduleClash as exc:
            self.add_error("starts_at", exc.message)
        return data
