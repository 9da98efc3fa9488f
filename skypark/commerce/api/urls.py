from django.urls import path

from . import views

urlpatterns = [
    path("orders/", views.OrderListApi.as_view(), name="order-list"),
    path("orders/<str:reference>/", views.OrderDetailApi.as_view(), name="order-detail"),
    path("orders/<str:reference>/pay/", views.OrderPayApi.as_view(), name="order-pay"),
    path("orders/<str:reference>/cancel/", views.OrderCancelApi.as_view(), name="order-cancel"),
    path("payment-providers/", views.PaymentProviderListApi.as_view(), name="payment-provider-list"),
]
