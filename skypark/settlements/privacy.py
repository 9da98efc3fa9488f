"""Settlement reports name the staff who imported and reconciled them."""

from skypark.privacy.registry import not_personal

not_personal(
    "settlements.SettlementReport.imported_by",
    "settlements.SettlementLine.resolved_by",
    reason="the member of staff who imported or resolved the report",
)
