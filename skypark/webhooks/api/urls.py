from django.urls import path

from . import views

urlpatterns = [
    path("partner/webhooks/", views.PartnerWebhookListCreateApi.as_view(), name="partner-webhooks"),
    path("partner/webhooks/<int:pk>/", views.PartnerWebhookDetailApi.as_view(), name="partner-webhook"),
    path(
        "partner/webhooks/<int:pk>/rotate-secret/",
        views.PartnerWebhookRotateApi.as_view(),
        name="partner-webhook-rotate",
    ),
    path("partner/webhooks/<int:pk>/test/", views.PartnerWebhookTestApi.as_view(), name="partner-webhook-test"),
    path(
        "partner/webhooks/<int:pk>/deliveries/",
        views.PartnerWebhookDeliveryListApi.as_view(),
        name="partner-webhook-deliveries",
    ),
]
