"""The form of public record identifiers: a kind prefix, eight random symbols and a check
symbol, as in T-4KX9MZQ23 (docs/integrity.md#public-identifiers).

SECURITY: a sequential number lets a reader list the numbers they cannot open, which tells
them how many records are hidden and where; a random body tells them nothing.
"""

import re
import secrets

# Crockford's base 32: digits and capitals without I, L, O and U, which are read or written
# as 1, 1, 0 and V (or form words).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BODY_LENGTH = 8

_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
_FORM = re.compile(rf"^[TA]-[{ALPHABET}]{{{BODY_LENGTH + 1}}}$")
# Identifiers issued before random ones (and the seed records, docs/seeds.md): six digits.
_SEQUENTIAL_FORM = re.compile(r"^[TA]-\d{6}$")


def _luhn_sum(symbols: str, double_first: bool) -> int:
    """Luhn mod 32 over `symbols`, right to left, doubling every other symbol's value."""
    total, double = 0, double_first
    for symbol in reversed(symbols):
        value = _VALUE[symbol] * (2 if double else 1)
        total += value // len(ALPHABET) + value % len(ALPHABET)
        double = not double
    return total


def check_symbol(prefix: str, body: str) -> str:
    """The Luhn mod 32 check symbol of prefix and body: it catches every mistyped symbol and
    most swaps of two neighbours, including a T written for an A."""
    total = _luhn_sum(prefix + body, double_first=True)
    return ALPHABET[(len(ALPHABET) - total % len(ALPHABET)) % len(ALPHABET)]


def new_identifier(prefix: str) -> str:
    """A fresh random identifier; the caller makes sure it was never issued before."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return f"{prefix}-{body}{check_symbol(prefix, body)}"


# Crockford's reading rules: what a person may write for a symbol.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def canonical(text: str) -> str:
    """An identifier as a person may write it (any case, O for 0, I or L for 1) in its
    stored form. The rule looks at the text alone, never at what exists; text that is no
    identifier comes back unchanged and finds nothing."""
    prefix, dash, body = text.strip().upper().partition("-")
    if not dash or prefix not in ("T", "A"):
        return text
    return f"{prefix}-{body.translate(_READ_AS)}"


class RecordIdConverter:
    """`<record_id:public_id>` in URLs: any spelling `canonical` accepts finds the record."""

    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        return canonical(value)

    def to_url(self, value: str) -> str:
        return value


def is_valid(identifier: str) -> bool:
    """True for an identifier of either form whose check symbol (if it has one) agrees."""
    if _SEQUENTIAL_FORM.match(identifier):
        return True
    if not _FORM.match(identifier):
        return False
    prefix, rest = identifier.split("-")
    return _luhn_sum(prefix + rest, double_first=False) % len(ALPHABET) == 0
