from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerView

from skypark.core import views as core_views
from skypark.core.api.schema import SchemaView
from skypark.ops.metrics import metrics_view

api_v1 = [
    path("", include("skypark.accounts.api.urls")),
    path("", include("skypark.config.api.urls")),
    path("", include("skypark.commerce.api.urls")),
    path("", include("skypark.notify.api.urls")),
    path("", include("skypark.parks.api.urls")),
    path("", include("loyalty.api.urls")),
    path("", include("loyalty.clearing.api.urls")),
    path("", include("loyalty.connectors.api.urls")),
    path("", include("skypark.webhooks.api.urls")),
    path("", include("skypark.analytics.api.urls")),
    path("", include("bookings.api.urls")),
    path("", include("events.api.urls")),
    path("", include("skypark.privacy.api.urls")),
]

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("healthz/live", core_views.healthz_live, name="healthz-live"),
    path("healthz/ready", core_views.healthz, name="healthz-ready"),
    path("metrics", metrics_view, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # before the admin's own URLs, whose catch-all would take these
    path("admin/mfa/", include("skypark.accounts.mfa.urls")),
    path("admin/reports/", include("skypark.analytics.reports")),
    path("admin/", admin.site.urls),
]

urlpatterns += i18n_patterns(
    path("", core_views.home, name="home"),
    path("accounts/", include("skypark.accounts.urls")),
    path("accounts/profile/data/", include("skypark.privacy.urls")),
    path("pay/", include("skypark.commerce.urls")),
    path("notify/", include("skypark.notify.urls")),
    path("desk/", include("skypark.cashdesk.urls")),
    path("orders/", include("skypark.commerce.order_urls")),
    path("parks/", include("skypark.parks.urls")),
    path("loyalty/", include("loyalty.urls")),
    path("courses/", include("bookings.urls")),
    path("events/", include("events.urls")),
    prefix_default_language=False,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "skypark.core.views.page_not_found"
handler500 = "skypark.core.views.server_error"
