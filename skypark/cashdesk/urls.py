from django.urls import path

from . import views

app_name = "cashdesk"
urlpatterns = [path("", views.desk, name="desk")]
