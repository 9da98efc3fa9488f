"""The leaderboards' histograms (``LeaderboardScore``: members per points value of each
board), built here from the existing counters so that ranks are right from the first
request after deploy. Awards made by processes still running the previous release
while this runs move the counters without the histogram; the nightly
``leaderboards_refresh`` finds and corrects those values."""

from django.db import migrations, models


def build(apps, schema_editor):
    LeaderboardEntry = apps.get_model("events", "LeaderboardEntry")
    LeaderboardScore = apps.get_model("events", "LeaderboardScore")
    values = (
        LeaderboardEntry.objects.order_by()
        .values_list("period", "period_key", "event_type_id", "points")
        .annotate(members=models.Count("pk"))
    )
    LeaderboardScore.objects.bulk_create(
        (
            LeaderboardScore(period=period, period_key=key, event_type_id=scope, points=points, members=members)
            for period, key, scope, points, members in values.iterator(chunk_size=2000)
        ),
        batch_size=2000,
    )


def unbuild(apps, schema_editor):
    apps.get_model("events", "LeaderboardScore").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0002_settings"),
    ]

    operations = [
        migrations.CreateModel(
            name="LeaderboardScore",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "period",
                    models.CharField(
                        choices=[("week", "this week"), ("month", "this month"), ("all", "all time")],
                        max_length=5,
                        verbose_name="period",
                    ),
                ),
                ("period_key", models.CharField(max_length=8, verbose_name="period key")),
                ("event_type_id", models.PositiveIntegerField(default=0, verbose_name="event type")),
                ("points", models.IntegerField(verbose_name="points")),
                ("members", models.IntegerField(verbose_name="members")),
            ],
            options={
                "verbose_name": "leaderboard score",
                "verbose_name_plural": "leaderboard scores",
                "indexes": [
                    models.Index(
                        fields=["period", "period_key", "event_type_id", "points", "members"],
                        name="events_leaderboard_score_idx",
                    )
                ],
            },
        ),
        migrations.RunPython(build, unbuild),
    ]
