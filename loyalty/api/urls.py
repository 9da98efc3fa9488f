from django.urls import path

from . import sync, till, views

urlpatterns = [
    path("partner/customers/", sync.PartnerCustomerListApi.as_view(), name="partner-customers"),
    path("partner/customers/lookup/", views.PartnerCustomerLookupApi.as_view(), name="partner-customer-lookup"),
    path(
        "partner/customers/<str:customer_code>/",
        views.PartnerCustomerBalanceApi.as_view(),
        name="partner-customer-balance",
    ),
    path("partner/transactions/", till.PartnerTransactionListCreateApi.as_view(), name="partner-transactions"),
    path(
        "partner/transactions/<str:external_id>/",
        till.PartnerTransactionDetailApi.as_view(),
        name="partner-transaction-detail",
    ),
    path(
        "partner/transactions/<str:external_id>/refund/",
        till.PartnerTransactionRefundApi.as_view(),
        name="partner-transaction-refund",
    ),
    path(
        "partner/transactions/<str:external_id>/void/",
        till.PartnerTransactionVoidApi.as_view(),
        name="partner-transaction-void",
    ),
    path(
        "partner/transactions/<str:external_id>/complete/",
        till.PartnerTransactionCompleteApi.as_view(),
        name="partner-transaction-complete",
    ),
    path(
        "partner/transactions/<str:external_id>/cancel/",
        till.PartnerTransactionCancelApi.as_view(),
        name="partner-transaction-cancel",
    ),
    path("partner/points/redeem/", views.PartnerPointsRedeemApi.as_view(), name="partner-points-redeem"),
    path("partner/coupons/validate/", views.PartnerCouponValidateApi.as_view(), name="partner-coupon-validate"),
    path("partner/coupons/redeem/", views.PartnerCouponRedeemApi.as_view(), name="partner-coupon-redeem"),
    path("partner/imports/", views.PartnerImportCreateApi.as_view(), name="partner-import-create"),
    path("partner/imports/<int:pk>/", views.PartnerImportDetailApi.as_view(), name="partner-import-detail"),
    path("partner/test-data/", views.PartnerTestDataApi.as_view(), name="partner-test-data"),
    path("me/loyalty/", views.MyLoyaltyApi.as_view(), name="my-loyalty"),
    path("me/loyalty/history/", views.MyHistoryApi.as_view(), name="my-loyalty-history"),
    path("me/loyalty/coupons/", views.MyCouponsApi.as_view(), name="my-loyalty-coupons"),
    path("me/loyalty/referral/", views.MyReferralApi.as_view(), name="my-loyalty-referral"),
]
