from django.urls import path

from . import views

app_name = "events"
urlpatterns = [
    path("", views.event_list, name="event-list"),
    path("me/", views.me, name="me"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("check-in/", views.check_in, name="check-in"),
    path("registrations/", views.registration_list, name="registration-list"),
    path("registrations/<int:pk>/", views.registration_detail, name="registration-detail"),
    path("registrations/<int:pk>/qr.png", views.registration_qr_png, name="registration-qr"),
    path("registrations/<int:pk>/cancel/", views.registration_cancel, name="registration-cancel"),
    path("registrations/<int:pk>/accept/", views.registration_accept, name="registration-accept"),
    path(
        "registrations/<int:pk>/attendees/<int:attendee_id>/cancel/",
        views.registration_attendee_cancel,
        name="registration-attendee-cancel",
    ),
    path("<int:pk>/", views.event_detail, name="event-detail"),
    path("<int:pk>/register/", views.event_register, name="event-register"),
]
