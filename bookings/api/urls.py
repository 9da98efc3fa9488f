from django.urls import path

from . import company, views, waitlist

urlpatterns = [
    path("courses/", views.CourseListApi.as_view(), name="course-list"),
    path("courses/sessions/", views.SessionListApi.as_view(), name="course-session-list"),
    path("courses/sessions/<int:pk>/quote/", views.SessionQuoteApi.as_view(), name="course-session-quote"),
    path("courses/sessions/<int:pk>/bookings/", views.BookingCreateApi.as_view(), name="course-booking-create"),
    path(
        "courses/sessions/<int:pk>/company-bookings/",
        company.CompanyBookingCreateApi.as_view(),
        name="course-company-booking-create",
    ),
    path("courses/bookings/", views.BookingListApi.as_view(), name="course-booking-list"),
    path("courses/bookings/<str:reference>/", views.BookingDetailApi.as_view(), name="course-booking-detail"),
    path(
        "courses/bookings/<str:reference>/refund-quote/",
        views.BookingRefundQuoteApi.as_view(),
        name="course-booking-refund-quote",
    ),
    path("courses/bookings/<str:reference>/cancel/", views.BookingCancelApi.as_view(), name="course-booking-cancel"),
    path(
        "courses/bookings/<str:reference>/attendees/<int:attendee_id>/cancel/",
        views.BookingAttendeeCancelApi.as_view(),
        name="course-booking-attendee-cancel",
    ),
    path("courses/certificates/", views.CertificateListApi.as_view(), name="course-certificate-list"),
    path(
        "courses/certificates/verify/<str:number>/",
        views.CertificateVerifyApi.as_view(),
        name="course-certificate-verify",
    ),
    path("courses/certificates/<str:number>/pdf/", views.CertificatePdfApi.as_view(), name="course-certificate-pdf"),
    path("courses/sessions/<int:pk>/waitlist/", waitlist.WaitlistJoinApi.as_view(), name="course-waitlist-join"),
    path("courses/waitlist/", waitlist.WaitlistListApi.as_view(), name="course-waitlist-list"),
    path("courses/waitlist/<int:pk>/accept/", waitlist.WaitlistAcceptApi.as_view(), name="course-waitlist-accept"),
    path("courses/waitlist/<int:pk>/leave/", waitlist.WaitlistLeaveApi.as_view(), name="course-waitlist-leave"),
    path("courses/<int:pk>/", views.CourseDetailApi.as_view(), name="course-detail"),
]
