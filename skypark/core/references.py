"""Human references and short codes.

Crockford's base32 alphabet: no I, L, O or U, so a code read aloud or typed from paper
is not mistaken for another.
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def random_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def human_reference(prefix: str, length: int = 8) -> str:
    return f"{prefix}-{random_code(length)}"


# Hyphen, the dashes a word processor or a phone keyboard puts instead, and the minus.
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212"
CONFUSED = str.maketrans({"O": "0", "I": "1", "L": "1", **{dash: None for dash in DASHES}})


def normalise_code(value: str) -> str:
    """Upper-case, drop every space and dash (as printed, ``65BF-WPKV``; as pasted,
    ``65bf–wpkv``) and map the letters people confuse onto the alphabet (O→0, I/L→1)."""
    return "".join((value or "").split()).upper().translate(CONFUSED)
