from django.urls import path

from . import views

urlpatterns = [
    path("auth/token/", views.TokenObtainApi.as_view(), name="auth-token"),
    path("auth/token/refresh/", views.TokenRefreshApi.as_view(), name="auth-token-refresh"),
    path("auth/logout/", views.LogoutApi.as_view(), name="auth-logout"),
    path("auth/register/code/", views.RegisterCodeApi.as_view(), name="auth-register-code"),
    path("auth/register/", views.RegisterApi.as_view(), name="auth-register"),
    path("me/", views.MeApi.as_view(), name="me"),
    path("me/phone/verification/", views.PhoneVerificationSendApi.as_view(), name="me-phone-verification"),
    path(
        "me/phone/verification/confirm/",
        views.PhoneVerificationConfirmApi.as_view(),
        name="me-phone-verification-confirm",
    ),
    path("me/sessions/", views.SessionListApi.as_view(), name="me-sessions"),
    path("me/sessions/<int:pk>/", views.SessionDetailApi.as_view(), name="me-session"),
    path("me/children/", views.ChildListApi.as_view(), name="me-children"),
    path("me/children/<int:pk>/", views.ChildDetailApi.as_view(), name="me-child"),
    path("partner/me/", views.PartnerMeApi.as_view(), name="partner-me"),
    path("partner/merchants/<slug:code>/", views.PartnerMerchantDetailApi.as_view(), name="partner-merchant"),
    path("partner/keys/", views.PartnerApiKeyListApi.as_view(), name="partner-keys"),
]
