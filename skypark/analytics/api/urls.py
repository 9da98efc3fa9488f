from django.urls import path

from . import views

urlpatterns = [
    path("partner/analytics/rfm/", views.PartnerRfmApi.as_view(), name="partner-analytics-rfm"),
    path("partner/analytics/segments/", views.PartnerSegmentsApi.as_view(), name="partner-analytics-segments"),
    path("partner/analytics/matrix/", views.PartnerMatrixApi.as_view(), name="partner-analytics-matrix"),
]
