from django.urls import path

from . import views

urlpatterns = [
    path("events/", views.EventListApi.as_view(), name="event-list"),
    path("events/types/", views.EventTypeListApi.as_view(), name="event-type-list"),
    path("events/badges/", views.BadgeListApi.as_view(), name="event-badge-list"),
    path("events/me/", views.MemberApi.as_view(), name="event-member"),
    path("events/leaderboard/", views.LeaderboardApi.as_view(), name="event-leaderboard"),
    path("events/check-in/", views.CheckInApi.as_view(), name="event-check-in"),
    path("events/registrations/", views.RegistrationListApi.as_view(), name="event-registration-list"),
    path("events/registrations/<int:pk>/", views.RegistrationDetailApi.as_view(), name="event-registration-detail"),
    path(
        "events/registrations/<int:pk>/cancel/",
        views.RegistrationCancelApi.as_view(),
        name="event-registration-cancel",
    ),
    path(
        "events/registrations/<int:pk>/attendees/<int:attendee_id>/cancel/",
        views.RegistrationAttendeeCancelApi.as_view(),
        name="event-registration-attendee-cancel",
    ),
    path(
        "events/registrations/<int:pk>/accept/",
        views.RegistrationAcceptApi.as_view(),
        name="event-registration-accept",
    ),
    path("events/<int:pk>/", views.EventDetailApi.as_view(), name="event-detail"),
    path("events/<int:pk>/register/", views.RegisterApi.as_view(), name="event-register"),
]
