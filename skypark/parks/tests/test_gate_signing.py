"""Ed25519-signed ticket codes: verified with the public key alone, rotated keys accepted
until their tickets expire, old HMAC codes and backup codes still admitted online."""

import base64
import datetime
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.utils import timezone

from skypark.commerce import qr
from skypark.parks import services
from skypark.parks.gates import signing
from skypark.parks.models import GateSigningKey, Ticket

pytestmark = pytest.mark.django_db


def _parts(code):
    prefix, key_id, payload, signature = code.split(".")
    return prefix, key_id, json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))), signature


def test_paid_ticket_gets_a_signed_code_without_personal_data(active_ticket):
    prefix, key_id, payload, _sig = _parts(active_ticket.qr_code)
    assert prefix == "SP1" and key_id == GateSigningKey.objects.get().key_id
    assert payload["t"] == active_ticket.pk and payload["p"] == active_ticket.park_id
    assert payload["d"] == active_ticket.visit_date.isoformat() and payload["v"] == 1 and payload["n"] == 1
    names = [c["name"] for c in active_ticket.children_data]
    assert not any(name in active_ticket.qr_code or name in json.dumps(payload) for name in names)
    assert set(payload) == {"t", "p", "d", "u", "s", "v", "n", "r"}


def test_the_public_key_alone_verifies_a_code(active_ticket):
    """What a gate does offline: the published public key, the signed message."""
    (published,) = signing.public_keys()
    message, _dot, signature = active_ticket.qr_code.rpartition(".")
    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(published["public_key"] + "="))
    public.verify(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)), message.encode())


@pytest.mark.parametrize(
    "spoil",
    [
        lambda c: c[:-3],  # truncated
        lambda c: c[:40],
        lambda c: c.replace(".", "", 1),
        lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"),  # altered signature
        lambda c: c.rsplit(".", 2)[0]
        + "."
        + base64.urlsafe_b64encode(b'{"t":1}').decode().rstrip("=")
        + "."
        + c.rsplit(".", 1)[1],
        lambda c: "SP1.",
        lambda c: c + "é",
    ],
)
def test_forged_or_truncated_codes_are_refused(active_ticket, park, spoil):
    code = spoil(active_ticket.qr_code)
    with pytest.raises(signing.SignedCodeInvalid):
        signing.ticket_code_verify(code)
    assert services.ticket_admit(code=code, park=park).reason in ("forged", "unknown")
    assert Ticket.objects.get(pk=active_ticket.pk).visits_used == 0


def test_a_code_signed_by_a_stranger_key_is_refused(active_ticket, park):
    stranger = Ed25519PrivateKey.generate()
    message = active_ticket.qr_code.rpartition(".")[0]
    forged = message + "." + base64.urlsafe_b64encode(stranger.sign(message.encode())).decode().rstrip("=")
    assert services.ticket_admit(code=forged, park=park).reason == "forged"
    unknown = "SP1.deadbeef." + message.split(".")[2] + "." + forged.rpartition(".")[2]
    result = services.ticket_admit(code=unknown, park=park)
    assert (result.admitted, result.reason) == (False, "unknown_key")


def test_rotation_keeps_old_codes_valid_until_their_tickets_expire(buy, pay, park):
    today = timezone.localdate()
    old_ticket = pay(buy(day=today + datetime.timedelta(days=3)))
    old_key = GateSigningKey.objects.get()
    new_key = signing.signing_key_rotate()
    old_key.refresh_from_db()
    assert old_key.accepted_until == today + datetime.timedelta(days=3)
    assert new_key.is_current and not old_key.is_current
    assert {k["key_id"] for k in signing.public_keys()} == {old_key.key_id, new_key.key_id}
    new_ticket = pay(buy(day=today))
    assert new_ticket.qr_code.split(".")[1] == new_key.key_id
    # the old key's tickets still verify until its last day, then no more
    assert signing.ticket_code_verify(old_ticket.qr_code, today=today + datetime.timedelta(days=3)).ticket_id
    with pytest.raises(signing.SignedCodeInvalid):
        signing.ticket_code_verify(old_ticket.qr_code, today=today + datetime.timedelta(days=4))
    assert {k["key_id"] for k in signing.public_keys(today=today + datetime.timedelta(days=4))} == {new_key.key_id}
    assert services.ticket_admit(code=new_ticket.qr_code, park=park).admitted


def test_codes_issued_before_signing_and_backup_codes_keep_working_online(buy, pay, park):
    legacy = pay(buy(day=timezone.localdate()))
    Ticket.objects.filter(pk=legacy.pk).update(qr_code=qr.code_issue("ticket", legacy.pk))
    legacy.refresh_from_db()
    assert services.ticket_admit(code=legacy.qr_code, park=park).admitted
    other = pay(buy(day=timezone.localdate()))
    result = services.ticket_admit(code=other.backup_code_display.lower(), park=park)
    assert result.admitted and result.visit.entry_method == "manual"


def test_a_genuine_code_is_checked_once_and_its_key_every_time(active_ticket):
    signing.keys_forget()
    code = active_ticket.qr_code
    assert signing.ticket_code_verify(code).ticket_id == active_ticket.pk
    assert code in signing._genuine
    forged = code[:-4] + ("AAAA" if not code.endswith("AAAA") else "BBBB")
    with pytest.raises(signing.SignedCodeInvalid):
        signing.ticket_code_verify(forged)
    assert forged not in signing._genuine
    # remembered as genuine, yet refused once its key is no longer accepted
    GateSigningKey.objects.update(accepted_until=timezone.localdate())
    signing._cache.clear()
    with pytest.raises(signing.SignedCodeInvalid):
        signing.ticket_code_verify(code, today=timezone.localdate() + datetime.timedelta(days=1))
    signing.keys_forget()  # a rotation forgets them
    assert not signing._genuine
