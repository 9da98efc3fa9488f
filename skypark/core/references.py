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


def normalise_code(value: str) -> str:
    """Upper-case and map the letters people confuse onto the alphabet (O→0, I/L→1)."""
    value = (value or "").strip().upper().replace("-", "").replace(" ", "")
    return value.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
