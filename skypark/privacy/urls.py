from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("", views.my_data, name="my-data"),
    path("download/", views.my_data_download, name="download"),
    path("erase/", views.erasure_confirm, name="erase"),
    path("erased/", views.erasure_done, name="erasure-done"),
]
