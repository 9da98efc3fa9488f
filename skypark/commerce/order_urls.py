"""The customer's orders: "My orders" and each paid order's receipt."""

from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="order-list"),
    path("<str:reference>/receipt.pdf", views.order_receipt, name="order-receipt"),
]
