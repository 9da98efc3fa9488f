"""PostgreSQL only: no two live sessions overlap at one venue, and no instructor teaches
two at once. Exclusion constraints over ``tstzrange(starts_at, ends_at)`` (half-open, so
back-to-back sessions are fine) need btree_gist for the ``=`` on the id columns.

The constraints are not in ``Meta.constraints`` because SQLite cannot create them; the
services check the same rule on every engine (``bookings.services.session_clash``)."""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations
from django.db.models import Func, Q


class TsTzRange(Func):
    function = "TSTZRANGE"


def _constraints():
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


def add(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("bookings", "CourseSession")
    for constraint in _constraints():
        schema_editor.add_constraint(model, constraint)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("bookings", "CourseSession")
    for constraint in _constraints():
        schema_editor.remove_constraint(model, constraint)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]
    operations = [
        # CreateExtension is itself a no-op on engines other than PostgreSQL.
        BtreeGistExtension(),
        migrations.RunPython(add, remove),
    ]
