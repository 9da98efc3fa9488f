from rest_framework import serializers

from skypark.core.api.money import money_field


class StatementOutput(serializers.Serializer):
    number = serializers.CharField()
    period_from = serializers.DateTimeField(source="period.starts_at")
    period_until = serializers.DateTimeField(source="period.ends_at")
    status = serializers.CharField(help_text="`review`, `approved` (by the coalition's staff) or `paid` (settled).")
    currency = serializers.CharField()
    opening_balance = money_field(
        help_text="Brought forward from the last statement; positive: the coalition owes you."
    )
    issued_points = serializers.IntegerField(help_text="Points your sales earned customers.")
    issued_amount = money_field(help_text="What those points cost you (negative).")
    redeemed_here_points = serializers.IntegerField(help_text="Points customers spent with you.")
    redeemed_here_amount = money_field(help_text="What you receive for them.")
    redeemed_elsewhere_points = serializers.IntegerField(help_text="Points you issued that were spent elsewhere.")
    coupons_funded = money_field(help_text="Coupon and offer discounts you fund (negative).")
    coupons_received = money_field(help_text="Coupon and offer discounts you gave and are repaid.")
    fees = money_field(help_text="The operator's fee (negative).")
    breakage = money_field(help_text="Your share of expired points.")
    other = money_field(help_text="Points liability and margin (the operator's statement only).")
    payments = money_field(help_text="Payments recorded in this period.")
    adjustments = money_field(help_text="Of the net: late movements and reversals of earlier periods.")
    net = money_field(help_text="The sum of this period's lines.")
    closing_balance = money_field(help_text="Opening balance plus net; positive: the coalition owes you.")
    paid_amount = money_field(help_text="Paid against this statement so far.")
    outstanding = money_field(help_text="Still to pay on this statement.")


class StatementLineOutput(serializers.Serializer):
    occurred_at = serializers.DateTimeField()
    kind = serializers.CharField(help_text="earn, redeem, expire, adjust, reverse, coupon, offer or payment.")
    role = serializers.CharField(help_text="issued, fee, redeemed, breakage, funded, received, payment …")
    reference = serializers.CharField(help_text="The movement's reference (for a sale: `<merchant id>:<external_id>`).")
    points = serializers.IntegerField()
    amount = money_field()
    is_adjustment = serializers.BooleanField(help_text="Belongs to an earlier, closed period.")
