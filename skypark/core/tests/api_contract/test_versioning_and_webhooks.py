"""The schema's documentation: the versioning promise, the changelog and retirements, and the
webhook catalogue, whose payload schemas match what is sent and whose signature example
verifies real signatures."""

import re
import time
from decimal import Decimal

import jsonschema
import pytest

from skypark.core.api.deprecation import RETIRED
from skypark.webhooks.services import signature_for


def test_the_description_states_the_promise_the_changelog_and_what_is_retired(default_schema):
    text = default_schema["info"]["description"]
    for heading in ("## Versioning", "## Changelog", "## Retired", "## Webhooks", "## Errors", "## Rate limits"):
        assert heading in text
    assert "changes only by addition" in text
    for item in RETIRED:
        assert str(item.sunset_on) in text


def _verify_function(default_schema):
    code = re.search(r"```python\n(.*?)```", default_schema["info"]["description"], re.S).group(1)
    scope = {}
    exec(code, scope)  # noqa: S102 (the documented example itself)
    return scope["verify"]


def test_the_signature_example_verifies_real_signatures(default_schema):
    verify = _verify_function(default_schema)
    body = b'{"event":"points.awarded","id":"points.awarded:1","merchant":"m","data":{}}'
    now = int(time.time())
    assert verify(body, signature_for("whsec_a", now, body), "whsec_a")
    assert verify(body, signature_for(["whsec_new", "whsec_a"], now, body), "whsec_a")  # a rotation
    assert not verify(body, signature_for("whsec_other", now, body), "whsec_a")
    assert not verify(body + b" ", signature_for("whsec_a", now, body), "whsec_a")
    assert not verify(body, signature_for("whsec_a", now - 3600, body), "whsec_a")  # a replay


def test_every_event_has_a_schema_and_a_valid_example(default_schema):
    schemas = default_schema["components"]["schemas"]
    events = {name: body for name, body in schemas.items() if name.startswith("Webhook") and name.endswith("Data")}
    assert {"WebhookPointsAwardedData", "WebhookCouponRedeemedData"} <= set(events)
    for name, body in events.items():
        jsonschema.validate(body["example"], body)
        assert f"`{name}`" in default_schema["info"]["description"]


@pytest.mark.django_db
def test_sent_payloads_match_the_catalogue(default_schema):
    from loyalty import services
    from loyalty.tests.factories import CouponFactory, ProgramFactory
    from skypark.accounts.tests.factories import UserFactory
    from skypark.webhooks.models import WebhookDelivery
    from skypark.webhooks.tests.factories import EndpointFactory

    schemas = default_schema["components"]["schemas"]
    program = ProgramFactory(mode="network")
    EndpointFactory(merchant=program.merchant, url="https://partner.example/hooks")
    shopper = UserFactory()
    services.pos_transaction_record(
        merchant=program.merchant, customer=shopper, external_id="tx-1", amount=Decimal("1000.00")
    )
    coupon = CouponFactory(code="HOOK10")
    services.coupon_redeem(
        code=coupon.code, customer=shopper, merchant=program.merchant, amount=Decimal("500.00"), reference="r-1"
    )
    sent = {delivery.event: delivery.payload for delivery in WebhookDelivery.objects.all()}
    assert set(sent) == {"points.awarded", "coupon.redeemed"}
    for event, payload in sent.items():
        jsonschema.validate(payload, schemas["WebhookEnvelope"])
        name = "Webhook" + "".join(part.capitalize() for part in event.split(".")) + "Data"
        jsonschema.validate(payload["data"], schemas[name])
