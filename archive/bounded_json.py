"""The one JSON decoder for JSON a person sends us: bounded in depth and in number length.

Python's own decoder raises RecursionError on deep nesting (not a ValueError, so callers
that catch decoding errors answer 500) and ValueError on integers over 4,300 digits; a
number like 1e999 becomes infinity, which PostgreSQL's jsonb refuses later. Every import
row, API body and admin JSON field goes through `loads`, which turns each of these into
`JSONRejected` with a message fit to show, before anything is written.
"""

import json
import math

# No record, collection or term nests deeper than a few levels; 32 leaves room to spare.
MAX_DEPTH = 32
# Long enough for any identifier or year, far short of Python's 4,300-digit limit.
MAX_NUMBER_CHARS = 30


class JSONRejected(ValueError):
    """Not JSON, or JSON beyond the bounds; `column` (1-based) when the decoder knows it."""

    def __init__(self, message: str, column: int | None = None):
        self.message = message
        self.column = column
        super().__init__(message if column is None else f"{message} at column {column}")


def _number(text: str, convert):
    if len(text) > MAX_NUMBER_CHARS:
        raise JSONRejected(f"a number longer than {MAX_NUMBER_CHARS} characters")
    value = convert(text)
    if isinstance(value, float) and not math.isfinite(value):
        raise JSONRejected(f"the number {text} is too large")
    return value


def _int(text: str) -> int:
    return _number(text, int)


def _float(text: str) -> float:
    return _number(text, float)


def _constant(name: str):
    raise JSONRejected(f"{name} is not a JSON value")


def depth_of(value) -> int:
    """How many arrays and objects nest at the deepest point (0 for a plain value); walked
    without recursion, so any depth is measured safely."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH, object_pairs_hook=None):
    """Decode `text`; raise JSONRejected for invalid JSON, nesting deeper than `max_depth`,
    numbers longer than MAX_NUMBER_CHARS, infinities and NaN. Exceptions raised by
    `object_pairs_hook` pass through unchanged."""
    too_deep = f"arrays or objects nested more than {max_depth} levels deep"
    try:
        value = json.loads(
            text,
            parse_int=_int,
            parse_float=_float,
            parse_constant=_constant,
            object_pairs_hook=object_pairs_hook,
        )
    except json.JSONDecodeError as exc:
        raise JSONRejected(exc.msg, exc.colno) from None
    except RecursionError:
        # SECURITY: deep nesting from an attacker must end as a refusal, not a server error.
        raise JSONRejected(too_deep) from None
    except UnicodeDecodeError:
        raise JSONRejected("not UTF-8 text") from None
    if depth_of(value) > max_depth:
        raise JSONRejected(too_deep)
    return value


class BoundedJSONDecoder(json.JSONDecoder):
    """For form fields that take a decoder class (Django's forms.JSONField): the same bounds,
    reported as the JSONDecodeError such fields turn into a validation message."""

    def decode(self, s, _w=None):
        try:
            return loads(s)
        except JSONRejected as exc:
            raise json.JSONDecodeError(exc.message, s, 0) from None
