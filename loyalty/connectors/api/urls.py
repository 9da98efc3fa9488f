from django.urls import path

from . import views

urlpatterns = [
    path("partner/connectors/", views.PartnerConnectorListApi.as_view(), name="partner-connectors"),
    path("partner/connectors/runs/", views.PartnerConnectorRunListApi.as_view(), name="partner-connector-runs"),
    path(
        "partner/connectors/runs/<int:pk>/", views.PartnerConnectorRunDetailApi.as_view(), name="partner-connector-run"
    ),
]
