from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _store_migrate(sender, **kwargs):
    """``manage.py migrate`` creates the analytical store's tables too (idempotent), so
    ``make run`` and the test database need no extra step."""
    from .engines import get_engine

    get_engine().migrate()


class AnalyticsConfig(AppConfig):
    name = "skypark.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self):
        from skypark.core import segments

        from . import checks, dashboard  # noqa: F401
        from .targeting import AnalyticsSegments

        segments.set_provider(AnalyticsSegments())

        post_migrate.connect(_store_migrate, sender=self, dispatch_uid="analytics-store-migrate")
