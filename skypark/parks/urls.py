from django.urls import path

from . import views

app_name = "parks"
urlpatterns = [
    path("", views.park_list, name="park-list"),
    path("tickets/", views.ticket_list, name="ticket-list"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket-detail"),
    path("tickets/<int:pk>/qr.png", views.ticket_qr_png, name="ticket-qr"),
    path("tickets/<int:pk>/cancel/", views.ticket_cancel, name="ticket-cancel"),
    path("gate/", views.gate, name="gate"),
    path("<slug:slug>/", views.park_detail, name="park-detail"),
]
