from django.contrib.auth import views as auth_views
from django.urls import path

from . import phone_views, signup_views, views

app_name = "accounts"
urlpatterns = [
    path("signup/", signup_views.signup, name="signup"),
    path("signup/code/", signup_views.signup_confirm, name="signup_confirm"),
    path("login/", views.CustomerLoginView.as_view(), name="login"),
    # Django's LogoutView accepts POST only, so a link or a prefetch cannot log anyone out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("phone/confirm/", phone_views.phone_verify, name="phone_verify"),
    path("devices/", views.devices, name="devices"),
    path("devices/<int:pk>/end/", views.device_end, name="device_end"),
    path("children/add/", views.child_add, name="child_add"),
    path("children/<int:pk>/edit/", views.child_edit, name="child_edit"),
    path("children/<int:pk>/remove/", views.child_remove, name="child_remove"),
    path("password/change/", views.password_change, name="password_change"),
    path("password/change/done/", views.password_change_done, name="password_change_done"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/sent/", views.password_reset_done, name="password_reset_done"),
    path("password/reset/by-sms/", views.password_reset_sms, name="password_reset_sms"),
    path("password/reset/by-sms/code/", views.password_reset_sms_confirm, name="password_reset_sms_confirm"),
    path("password/reset/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("password/reset/complete/", views.password_reset_complete, name="password_reset_complete"),
]
