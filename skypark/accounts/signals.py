"""What accounts tells the domains without knowing them."""

from django.dispatch import Signal

# A customer has just proved that their phone is theirs. Sent inside the confirming
# transaction with ``user``, once per confirmation; receivers credit what waited for it
# (loyalty's referral bonuses) in that transaction.
phone_verified = Signal()
