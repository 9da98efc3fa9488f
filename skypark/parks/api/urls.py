from django.urls import path

from . import gates, views

urlpatterns = [
    path("parks/", views.ParkListApi.as_view(), name="park-list"),
    path("parks/tickets/", views.TicketListApi.as_view(), name="park-ticket-list"),
    path("parks/tickets/<int:pk>/", views.TicketDetailApi.as_view(), name="park-ticket-detail"),
    path("parks/tickets/<int:pk>/cancel/", views.TicketCancelApi.as_view(), name="park-ticket-cancel"),
    path("parks/tickets/<int:pk>/guardians/", gates.TicketGuardiansApi.as_view(), name="park-ticket-guardians"),
    path("parks/gate/admit/", views.GateAdmitApi.as_view(), name="park-gate-admit"),
    path("parks/gate/exit/", views.GateExitApi.as_view(), name="park-gate-exit"),
    path("parks/gate/devices/", gates.GateDeviceRegisterApi.as_view(), name="park-gate-device-register"),
    path("parks/gate/devices/<int:pk>/revoke/", gates.GateDeviceRevokeApi.as_view(), name="park-gate-device-revoke"),
    path("parks/gate/pack/", gates.GatePackApi.as_view(), name="park-gate-pack"),
    path("parks/gate/scans/", gates.GateScanUploadApi.as_view(), name="park-gate-scans"),
    path("parks/<slug:slug>/", views.ParkDetailApi.as_view(), name="park-detail"),
    path("parks/<slug:slug>/availability/", views.ParkAvailabilityApi.as_view(), name="park-availability"),
    path("parks/<slug:slug>/quote/", views.ParkQuoteApi.as_view(), name="park-quote"),
    path("parks/<slug:slug>/orders/", views.TicketOrderCreateApi.as_view(), name="park-order-create"),
]
