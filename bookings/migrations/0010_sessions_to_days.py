"""Every existing session becomes a session of one day (with its attendees' attendance
on that day), venues get the zone of their country, and on PostgreSQL the overlap rules
move from the session's span to each day: the exclusion constraints of migration 0002
(over ``tstzrange(starts_at, ends_at)`` of the session) are replaced by the same rules
over each live day, so a three-day course clashes with a one-day session on its second
day and not with one in the evening between its days. Reversible: going back drops the
days and restores the session-level constraints."""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import migrations
from django.db.models import Func, Q


class TsTzRange(Func):
    function = "TSTZRANGE"


def _session_constraints():
    live = ~Q(status="cancelled")
    period = (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS)
    return [
        ExclusionConstraint(
            name="bookings_session_no_venue_overlap",
            expressions=[("venue", RangeOperators.EQUAL), period],
            condition=live,
        ),
        ExclusionConstraint(
            name="bookings_session_no_instructor_overlap",
            expressions=[("instructor", RangeOperators.EQUAL), period],
            condition=live & Q(instructor__isnull=False),
        ),
    ]


def day_constraints():
    period = (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS)
    return [
        ExclusionConstraint(
            name="bookings_day_no_venue_overlap",
            expressions=[("venue", RangeOperators.EQUAL), period],
            condition=Q(is_live=True),
        ),
        ExclusionConstraint(
            name="bookings_day_no_instructor_overlap",
            expressions=[("instructor", RangeOperators.EQUAL), period],
            condition=Q(is_live=True) & Q(instructor__isnull=False),
        ),
    ]


COUNTRY_ZONES = {"GB": "Europe/London", "KG": "Asia/Bishkek"}


def forwards(apps, schema_editor):
    Venue = apps.get_model("bookings", "Venue")
    CourseSession = apps.get_model("bookings", "CourseSession")
    SessionDay = apps.get_model("bookings", "SessionDay")
    Attendee = apps.get_model("bookings", "Attendee")
    AttendeeDay = apps.get_model("bookings", "AttendeeDay")
    for country, zone in COUNTRY_ZONES.items():
        Venue.objects.filter(country=country).update(time_zone=zone)
    for session in CourseSession.objects.order_by("pk").iterator():
        day = SessionDay.objects.create(
            session_id=session.pk,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            venue_id=session.venue_id,
            instructor_id=session.instructor_id,
            is_live=session.status != "cancelled",
        )
        AttendeeDay.objects.bulk_create(
            [
                AttendeeDay(
                    attendee_id=attendee.pk,
                    day_id=day.pk,
                    attendance=attendee.attendance,
                    marked_at=attendee.marked_at,
                    marked_by_id=attendee.marked_by_id,
                )
                for attendee in Attendee.objects.filter(booking__session_id=session.pk).exclude(attendance="unknown")
            ]
        )
    if schema_editor.connection.vendor == "postgresql":
        for constraint in _session_constraints():
            schema_editor.remove_constraint(CourseSession, constraint)
        for constraint in day_constraints():
            schema_editor.add_constraint(SessionDay, constraint)


def backwards(apps, schema_editor):
    CourseSession = apps.get_model("bookings", "CourseSession")
    SessionDay = apps.get_model("bookings", "SessionDay")
    if schema_editor.connection.vendor == "postgresql":
        for constraint in day_constraints():
            schema_editor.remove_constraint(SessionDay, constraint)
        for constraint in _session_constraints():
            schema_editor.add_constraint(CourseSession, constraint)
    SessionDay.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("bookings", "0009_session_days_venue_time_zone")]
    operations = [migrations.RunPython(forwards, backwards)]
