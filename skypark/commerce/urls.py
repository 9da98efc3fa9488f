from django.urls import path

from . import views

app_name = "commerce"
urlpatterns = [
    path("sandbox/callback/", views.sandbox_callback, name="sandbox-callback"),
    path("sandbox/<str:token>/", views.sandbox_page, name="sandbox-page"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe-webhook"),
    path("<str:reference>/", views.order_pay, name="order-pay"),
    path("<str:reference>/result/", views.order_result, name="order-result"),
]
