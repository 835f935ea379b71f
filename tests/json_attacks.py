"""JSON built to break decoders: deep nesting (RecursionError), a 5,000-digit integer (over
Python's 4,300-digit limit), an infinity and NaN. Each is a complete JSON text that the
standard library either chokes on or accepts and stores."""

import json

DEEP = 100_000


def nested_arrays(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


def nested_objects(depth: int = DEEP) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


ATTACKS = {
    "nested arrays": nested_arrays(),
    "nested objects": nested_objects(),
    "5000-digit integer": "9" * 5000,
    "infinity": "1e999",
    "NaN": "NaN",
}


def in_object(value: str, key: str = "attack", **fields) -> str:
    """`value` (JSON text) under `key` in a JSON object that also holds `fields`."""
    members = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in fields.items()]
    members.append(f"{json.dumps(key)}: {value}")
    return "{" + ", ".join(members) + "}"
