"""The audit log's hash chain, defined once so anyone can recompute it (docs/audit.md).

Each entry stores the hash of the entry before it (`prev_hash`, GENESIS for the first) and its
own `entry_hash`: SHA-256 of the canonical JSON of its fields and `prev_hash`. A row inserted,
changed or removed anywhere but at the end breaks the chain at that point. Entries are chained
in id order; `lock` makes writers take turns, so that order is also the order they were hashed.
Written against plain values so migrations can use it too.
"""

import json

from archive import hashing

GENESIS = "0" * 64
# A fixed key for PostgreSQL's advisory lock: every writer of the log takes the same one.
LOCK_KEY = 0x617564697443  # "auditC"

FIELDS = (
    "at",
    "actor_id",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "detail",
    "channel",
    "path",
    "ip_hash",
)


def entry_hash(values: dict, prev_hash: str) -> str:
    """`values` holds FIELDS as the database returns them (`at` an aware datetime)."""
    data = {name: values[name] for name in FIELDS}
    data["at"] = values["at"].isoformat()
    # As stored: the JSON column gives back what json.dumps wrote (tuples become lists).
    data["detail"] = json.loads(json.dumps(values["detail"]))
    data["prev_hash"] = prev_hash
    return hashing.sha256_json(data)


def lock(connection) -> None:
    """Serialize appends until the current transaction ends, so each writer reads the true
    last entry. SQLite needs nothing: transactions begin IMMEDIATE (config/env.py), holding
    the database's one write lock from BEGIN to COMMIT."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def last_hash(queryset) -> str:
    return queryset.order_by("-id").values_list("entry_hash", flat=True).first() or GENESIS
