"""Clearing and settlement between the partners of a coalition: who funds every point and
coupon, and who owes whom at the end of each period. See ``services`` for the rules."""
