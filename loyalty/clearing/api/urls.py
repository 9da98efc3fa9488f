from django.urls import path

from . import views

urlpatterns = [
    path("partner/settlement/statements/", views.PartnerStatementListApi.as_view(), name="partner-statements"),
    path(
        "partner/settlement/statements/<str:number>/",
        views.PartnerStatementDetailApi.as_view(),
        name="partner-statement-detail",
    ),
    path(
        "partner/settlement/statements/<str:number>/lines/",
        views.PartnerStatementLinesApi.as_view(),
        name="partner-statement-lines",
    ),
    path(
        "partner/settlement/statements/<str:number>/pdf/",
        views.PartnerStatementPdfApi.as_view(),
        name="partner-statement-pdf",
    ),
    path(
        "partner/settlement/statements/<str:number>/csv/",
        views.PartnerStatementCsvApi.as_view(),
        name="partner-statement-csv",
    ),
]
