from django.urls import path

from . import views

app_name = "notify"
urlpatterns = [
    path("bounces/", views.bounce_webhook, name="bounce-webhook"),
]
