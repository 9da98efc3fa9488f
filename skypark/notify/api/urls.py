from django.urls import path

from . import views

urlpatterns = [
    path("me/notifications/", views.NotificationListApi.as_view(), name="me-notifications"),
    path("me/notifications/read/", views.NotificationMarkReadApi.as_view(), name="me-notifications-read"),
]
