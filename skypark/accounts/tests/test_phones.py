import pytest
from django.core.exceptions import ValidationError

from skypark.accounts.phones import normalise_phone


@pytest.mark.parametrize(
    "raw",
    ["+996 555 123 456", "0555 123 456", "555123456", "+996(555)123-456", "996555123456"],
)
def test_kyrgyz_spellings_normalise_to_e164(raw):
    assert normalise_phone(raw) == "+996555123456"


def test_foreign_number_keeps_its_country():
    assert normalise_phone("+44 20 7946 0958") == "+442079460958"


@pytest.mark.parametrize("raw", ["", "   ", "hello", "+996 12", "12345678901234567", "+996 000 000 000"])
def test_bad_phones_are_refused(raw):
    with pytest.raises(ValidationError):
        normalise_phone(raw)
