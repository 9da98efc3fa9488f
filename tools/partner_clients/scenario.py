"""A partner's integration, written only against the Python client generated from
``/api/schema/`` (package ``skypark_partner_client``): what a till and a CRM do in a day,
with a test key, as an integration is built: everything it records is test data, the
customer's balance does not move, and the test data is removed at the end. Every step
checks the answer; any failure exits non-zero.

    python scenario.py BASE_URL   (reads API_KEY, CARD_CODE, CUSTOMER_CODE, COUPON from the environment)
"""

import os
import sys
import time
import uuid
from urllib.parse import parse_qs, urlsplit

from skypark_partner_client import AuthenticatedClient
from skypark_partner_client.api.partner import (
    partner_coupons_redeem_create,
    partner_coupons_validate_create,
    partner_customers_lookup_create,
    partner_imports_create,
    partner_imports_retrieve,
    partner_me_retrieve,
    partner_points_redeem_create,
    partner_test_data_destroy,
    partner_transactions_create,
    partner_transactions_list,
    partner_transactions_refund_create,
)
from skypark_partner_client.models import (
    CouponInputRequest,
    CouponRedeemInputRequest,
    ImportInputRequest,
    ImportRowRequest,
    LineInputRequest,
    LookupInputRequest,
    RedeemPointsInputRequest,
    RefundInputRequest,
    TransactionInputRequest,
    TransactionOutput,
)


def expect(response, status, what):
    if response.status_code != status:
        raise SystemExit(f"{what}: expected {status}, got {response.status_code}: {response.content[:500]!r}")
    if response.parsed is None:
        raise SystemExit(f"{what}: the generated client could not parse the answer: {response.content[:500]!r}")
    print(f"ok  {what} ({status})")
    return response.parsed


def main(base_url):
    run = uuid.uuid4().hex[:8]
    client = AuthenticatedClient(base_url=base_url, token=os.environ["API_KEY"], prefix="Api-Key", timeout=30)
    card, coupon = os.environ["CARD_CODE"], os.environ["COUPON"]

    merchant = expect(partner_me_retrieve.sync_detailed(client=client), 200, "whoami")
    assert merchant.mode.value == "test", merchant

    found = expect(
        partner_customers_lookup_create.sync_detailed(client=client, body=LookupInputRequest(payload=card)),
        200,
        "look up the customer by card",
    )
    assert found.customer_code == os.environ["CUSTOMER_CODE"] and found.balance >= 100, found
    balance = found.balance

    sale = TransactionInputRequest(
        external_id=f"till-{run}-1",
        customer_code=card,
        amount="1200.00",
        lines=[
            LineInputRequest(name="Latte", quantity="2", unit_price="350.00"),
            LineInputRequest(name="Honey cake", unit_price="500.00"),
        ],
    )
    key = f"idem-{run}"
    first = expect(
        partner_transactions_create.sync_detailed(client=client, body=sale, idempotency_key=key), 201, "record a sale"
    )
    assert isinstance(first, TransactionOutput) and first.amount == "1200.00" and first.amount_due == "1200.00"
    assert first.currency == merchant.currency, (first.currency, merchant.currency)
    assert first.is_test and first.points_earned > 0, first
    retry = expect(
        partner_transactions_create.sync_detailed(client=client, body=sale, idempotency_key=key),
        200,
        "retry the sale with the same Idempotency-Key",
    )
    assert retry.to_dict() == first.to_dict()

    refunded = expect(
        partner_transactions_refund_create.sync_detailed(
            first.external_id, client=client, body=RefundInputRequest(amount="350.00", reason="a latte back")
        ),
        200,
        "refund part of it",
    )
    assert refunded.refunded_amount == "350.00" and refunded.status.value == "partially_refunded", refunded

    spent = expect(
        partner_points_redeem_create.sync_detailed(
            client=client, body=RedeemPointsInputRequest(customer_code=card, points=100, reference=f"gift-{run}")
        ),
        200,
        "redeem points",
    )
    assert spent.points == 100 and isinstance(spent.value, str), spent

    check = expect(
        partner_coupons_validate_create.sync_detailed(
            client=client, body=CouponInputRequest(code=coupon, customer_code=card, amount="800.00")
        ),
        200,
        "validate a coupon",
    )
    assert check.valid and check.discount == "80.00", check
    used = expect(
        partner_coupons_redeem_create.sync_detailed(
            client=client,
            body=CouponRedeemInputRequest(code=coupon, customer_code=card, amount="800.00", reference=f"till-{run}-2"),
        ),
        200,
        "redeem the coupon",
    )
    assert used.discount == "80.00", used

    rows = [
        ImportRowRequest(
            external_id=f"crm-{run}-{n}", customer_code=os.environ["CUSTOMER_CODE"], amount=f"{100 + n}.00"
        )
        for n in range(3)
    ]
    batch = expect(
        partner_imports_create.sync_detailed(client=client, body=ImportInputRequest(rows=rows)),
        202,
        "submit an import",
    )
    deadline = time.monotonic() + 60
    while True:
        batch = expect(partner_imports_retrieve.sync_detailed(batch.id, client=client), 200, "poll the import")
        if batch.status.value in ("done", "failed"):
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"the import did not finish: {batch.to_dict()}")
        time.sleep(0.5)
    assert batch.status.value == "done" and batch.created_count == 3, batch.to_dict()

    seen, pages = [], 0
    page = expect(partner_transactions_list.sync_detailed(client=client, page_size=2), 200, "list transactions")
    while True:
        pages += 1
        seen += [tx.external_id for tx in page.results]
        if not page.next_:
            break
        cursor = parse_qs(urlsplit(page.next_).query)["cursor"][0]
        page = expect(
            partner_transactions_list.sync_detailed(client=client, page_size=2, cursor=cursor),
            200,
            f"list transactions, page {pages + 1}",
        )
    assert pages >= 2 and len(seen) == len(set(seen)) == 4, (pages, seen)

    after = expect(
        partner_customers_lookup_create.sync_detailed(client=client, body=LookupInputRequest(payload=card)),
        200,
        "look up the customer again",
    )
    assert after.balance == balance, ("a test key moved the balance", balance, after.balance)
    removed = expect(partner_test_data_destroy.sync_detailed(client=client), 200, "remove the test data")
    assert (removed.transactions, removed.coupon_redemptions, removed.imports) == (4, 1, 1), removed
    empty = expect(partner_transactions_list.sync_detailed(client=client), 200, "list transactions after removal")
    assert empty.results == [], empty
    print(f"partner scenario passed: {len(seen)} transactions over {pages} pages, then removed")


if __name__ == "__main__":
    main(sys.argv[1])
