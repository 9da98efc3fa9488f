from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParksConfig(AppConfig):
    name = "skypark.parks"
    label = "parks"
    verbose_name = _("Play parks")
