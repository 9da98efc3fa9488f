from django.contrib import admin
from django.urls import path

from . import views

app_name = "staff_mfa"
urlpatterns = [
    path("setup/", admin.site.admin_view(views.setup), name="setup"),
    path("recovery-codes/", admin.site.admin_view(views.recovery_codes), name="recovery_codes"),
    path("verify/", admin.site.admin_view(views.verify), name="verify"),
]
