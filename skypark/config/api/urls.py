from django.urls import path

from .views import PublicSettingsApi

urlpatterns = [path("config/", PublicSettingsApi.as_view(), name="config-public")]
