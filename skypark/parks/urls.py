from django.urls import path

from . import gate_pwa, views

app_name = "parks"
urlpatterns = [
    path("", views.park_list, name="park-list"),
    path("tickets/", views.ticket_list, name="ticket-list"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket-detail"),
    path("tickets/<int:pk>/qr.png", views.ticket_qr_png, name="ticket-qr"),
    path("tickets/<int:pk>/cancel/", views.ticket_cancel, name="ticket-cancel"),
    path("gate/", views.gate, name="gate"),
    path("gate/sw.js", gate_pwa.gate_service_worker, name="gate-sw"),
    path("gate/manifest.webmanifest", gate_pwa.gate_manifest, name="gate-manifest"),
    path("<slug:slug>/", views.park_detail, name="park-detail"),
]
