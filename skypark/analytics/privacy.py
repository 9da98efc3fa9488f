"""Analytics keeps no customer's personal data of its own: facts and RFM snapshots hold
ids (and are erased with the analytical store's retention); campaigns name the staff
member who made them."""

from skypark.privacy.registry import not_personal

not_personal("analytics.SegmentCampaign.created_by", reason="the member of staff who sent the campaign")
