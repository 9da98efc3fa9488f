from django.urls import path

from . import views

urlpatterns = [
    path("me/data/", views.MyDataApi.as_view(), name="me-data"),
]
