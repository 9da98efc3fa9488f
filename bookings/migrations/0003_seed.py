"""Seeded data: the three course types of the seed, the Instructors group with the
permissions an instructor needs for the roster, and the bookings' system settings."""

from django.db import migrations

COURSE_TYPES = [
    ("EFAW", "Emergency First Aid at Work", "One-day HSE-approved course for appointed persons."),
    ("FAW", "First Aid at Work", "Three-day HSE-approved course for workplace first aiders."),
    ("Paediatric", "Paediatric First Aid", "First aid for those caring for babies and children."),
]

SETTINGS = [
    # key, value, description, rules
    ("bookings.refund_full_days", 7, "Full refund when cancelled at least this many days before", {"min": 0, "integer": True}),
    ("bookings.refund_partial_hours", 48, "Partial refund when cancelled at least this many hours before", {"min": 0, "integer": True}),
    ("bookings.refund_partial_percent", 50, "Percent refunded in the partial window", {"min": 0, "max": 100}),
    ("bookings.reminder_hours_before", 24, "Hours before a session the reminder goes out", {"min": 1, "integer": True}),
    ("bookings.no_show_after_hours", 24, "Hours after a session ends before unmarked bookings become no-shows", {"min": 0, "integer": True}),
    ("bookings.certificate_expiry_notice_days", 60, "Days before a certificate expires the learner is told", {"min": 1, "integer": True}),
]


def seed(apps, schema_editor):
    CourseType = apps.get_model("bookings", "CourseType")
    for code, name, description in COURSE_TYPES:
        CourseType.objects.get_or_create(code=code, defaults={"name": name, "description": description})

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    group, _created = Group.objects.get_or_create(name="Instructors")
    content_types = [
        ContentType.objects.get_or_create(app_label="bookings", model=model)[0]
        for model in ("coursesession", "attendee", "booking")
    ]
    wanted = [
        (content_types[0], "view_coursesession", "Can view session"),
        (content_types[0], "mark_attendance", "Can mark attendance"),
        (content_types[1], "view_attendee", "Can view attendee"),
        (content_types[2], "view_booking", "Can view booking"),
    ]
    for content_type, codename, name in wanted:
        permission, _created = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        group.permissions.add(permission)

    SystemSetting = apps.get_model("config", "SystemSetting")
    for key, value, description, rules in SETTINGS:
        SystemSetting.objects.get_or_create(
            key=key,
            defaults=dict(
                value=value,
                data_type="number",
                category="bookings",
                is_public=False,
                description=description,
                validation_rules=rules,
            ),
        )


def unseed(apps, schema_editor):
    """Removes the seeded settings, the Instructors group and the course types no course
    uses yet."""
    apps.get_model("config", "SystemSetting").objects.filter(key__in=[row[0] for row in SETTINGS]).delete()
    apps.get_model("auth", "Group").objects.filter(name="Instructors").delete()
    CourseType = apps.get_model("bookings", "CourseType")
    Course = apps.get_model("bookings", "Course")
    DiscountCode = apps.get_model("bookings", "DiscountCode")
    used = set(Course.objects.values_list("course_type_id", flat=True))
    used |= set(DiscountCode.objects.exclude(course_type=None).values_list("course_type_id", flat=True))
    # A plain DELETE: the collector would walk relations of other apps' historical models.
    unused = CourseType.objects.filter(code__in=[row[0] for row in COURSE_TYPES]).exclude(pk__in=used)
    unused._raw_delete(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0002_postgres_exclusion"),
        ("config", "0002_seed_defaults"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
