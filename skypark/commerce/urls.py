from django.urls import path

from . import gateway_views, views

app_name = "commerce"
urlpatterns = [
    path("sandbox/callback/", views.sandbox_callback, name="sandbox-callback"),
    path("sandbox/<str:token>/", views.sandbox_page, name="sandbox-page"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe-webhook"),
    path("gateway/<str:provider>/notify/", gateway_views.gateway_notify, name="gateway-notify"),
    path("sim/<str:provider>/<str:reference>/", gateway_views.gateway_simulator, name="gateway-simulator"),
    path("cashier/elqr/", gateway_views.cashier_elqr, name="cashier-elqr"),
    path("<str:reference>/", views.order_pay, name="order-pay"),
    path("<str:reference>/result/", views.order_result, name="order-result"),
]
