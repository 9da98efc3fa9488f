from django.urls import path

from . import company_views, views

app_name = "bookings"
urlpatterns = [
    path("", views.course_list, name="course-list"),
    path("sessions/", views.session_list, name="session-list"),
    path("sessions/<int:pk>/book/", views.session_book, name="session-book"),
    path("sessions/<int:pk>/company/", company_views.company_book, name="session-company-book"),
    path("sessions/<int:pk>/roster/", views.roster, name="roster"),
    path("bookings/", views.booking_list, name="booking-list"),
    path("waitlist/", views.waitlist, name="waitlist"),
    path("waitlist/<int:pk>/", views.waitlist_answer, name="waitlist-answer"),
    path("bookings/<str:reference>/", views.booking_detail, name="booking-detail"),
    path("bookings/<str:reference>/invoice.pdf", company_views.invoice_download, name="booking-invoice"),
    path("bookings/<str:reference>/cancel/", views.booking_cancel, name="booking-cancel"),
    path("certificates/verify/", views.certificate_verify, name="certificate-verify-form"),
    path("certificates/verify/<str:number>/", views.certificate_verify, name="certificate-verify"),
    path("certificates/<str:number>.pdf", views.certificate_download, name="certificate-pdf"),
    path("<int:pk>/", views.course_detail, name="course-detail"),
]
