from django.urls import path

from . import offers, sync, till, views

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
    path("partner/offers/", offers.PartnerOfferListCreateApi.as_view(), name="partner-offers"),
    path("partner/offers/quote/", offers.PartnerOfferQuoteApi.as_view(), name="partner-offer-quote"),
    path(
        "partner/offers/<int:pk>/projection/",
        offers.PartnerOfferProjectionApi.as_view(),
        name="partner-offer-projection",
    ),
    path("partner/offers/<int:pk>/submit/", offers.PartnerOfferSubmitApi.as_view(), name="partner-offer-submit"),
    path("partner/offers/<int:pk>/accept/", offers.PartnerOfferAcceptApi.as_view(), name="partner-offer-accept"),
    path("me/loyalty/", views.MyLoyaltyApi.as_view(), name="my-loyalty"),
    path("me/loyalty/history/", views.MyHistoryApi.as_view(), name="my-loyalty-history"),
    path("me/loyalty/coupons/", views.MyCouponsApi.as_view(), name="my-loyalty-coupons"),
    path("me/loyalty/referral/", views.MyReferralApi.as_view(), name="my-loyalty-referral"),
]
