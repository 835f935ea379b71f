"""What the database is made of (tables, columns, indexes, constraints, triggers, functions,
views, rules, applied migrations), read from its catalog, to compare two databases and to
check the audit log's append-only triggers (docs/integrity.md, docs/backup.md).

Everything outside the system schemas counts: an object planted anywhere can act on the
archive's tables.
"""

import importlib
import re

AUDIT_TABLE = "archive_auditentry"
# The triggers of migration 0004 and what each refuses.
AUDIT_TRIGGERS = {
    "sqlite": {
        "archive_auditentry_no_update": {"UPDATE"},
        "archive_auditentry_no_delete": {"DELETE"},
    },
    "postgresql": {
        "archive_auditentry_no_update": {"UPDATE", "DELETE"},
        "archive_auditentry_no_truncate": {"TRUNCATE"},
    },
}
AUDIT_FUNCTION = "archive_auditentry_append_only"


def _audit_function_body() -> str:
    migration = importlib.import_module("archive.migrations.0004_roles_and_append_only_audit")
    return _squash(migration.POSTGRES_UP.split("$$")[1])


_PG_USER_SCHEMA = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_%%'"
)


def _squash(sql: str | None) -> str:
    return re.sub(r"\s+", " ", sql or "").strip()


def snapshot(connection) -> dict[str, set[tuple]]:
    """Every object as a tuple of its name and definition, by kind."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            found = _sqlite(cursor)
        elif connection.vendor == "postgresql":
            found = _postgres(cursor)
        else:
            raise NotImplementedError(connection.vendor)
        cursor.execute("SELECT app, name FROM django_migrations")
        found["migration"] = {tuple(row) for row in cursor.fetchall()}
    return found


def _sqlite(cursor) -> dict[str, set[tuple]]:
    cursor.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
    )
    found: dict[str, set[tuple]] = {"table": set(), "index": set(), "trigger": set(), "view": set()}
    for kind, name, table, sql in cursor.fetchall():
        found.setdefault(kind, set()).add((table, name, _squash(sql)))
    return found


POSTGRES_CATALOG = {
    "table": """SELECT n.nspname, c.relname, c.relkind FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
            AND n.nspname !~ '^(pg_|information_schema$)'""",
    "column": """SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
            a.attnotnull, a.attidentity, pg_get_expr(d.adbin, d.adrelid)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
            AND n.nspname !~ '^(pg_|information_schema$)'""",
    "index": """SELECT n.nspname, c.relname, pg_get_indexdef(c.oid) FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('i', 'I') AND n.nspname !~ '^(pg_|information_schema$)'""",
    "constraint": """SELECT n.nspname, t.relname, k.conname, pg_get_constraintdef(k.oid)
        FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname !~ '^(pg_|information_schema$)'""",
    "trigger": """SELECT n.nspname, c.relname, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid)
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT t.tgisinternal AND n.nspname !~ '^(pg_|information_schema$)'""",
    "function": """SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid),
            md5(pg_get_functiondef(p.oid))
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE p.prokind IN ('f', 'p') AND n.nspname !~ '^(pg_|information_schema$)'""",
    "view": """SELECT n.nspname, c.relname, md5(pg_get_viewdef(c.oid)) FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('v', 'm') AND n.nspname !~ '^(pg_|information_schema$)'""",
    "rule": """SELECT schemaname, tablename, rulename, definition FROM pg_rules
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema')""",
    "policy": "SELECT schemaname, tablename, policyname, cmd, qual, with_check FROM pg_policies",
    "schema": "SELECT nspname FROM pg_namespace WHERE nspname !~ '^(pg_|information_schema$)'",
    "event trigger": "SELECT evtname, evtevent, evtenabled, evtfoid::regproc::text "
    "FROM pg_event_trigger",
}


# pg_dump prints an expression as PostgreSQL deparses it, and reading it back can place the
# casts and parentheses differently: `(x)::text = ANY (ARRAY[('a'::character varying)::text])`
# becomes `(x)::text = ANY ((ARRAY['a'::character varying])::text[])`. Compared without them
# (and without white space).
_CASTS = re.compile(
    r"::(?:character varying|timestamp with time zone|timestamp without time zone|"
    r"double precision|text|integer|bigint|smallint|boolean|date|jsonb|json|numeric|"
    r"regclass|name|\"char\")(?:\[\])?"
)


def _expression(value):
    if not isinstance(value, str):
        return value
    return re.sub(r"[\s()]+", "", _CASTS.sub("", value))


def _postgres(cursor) -> dict[str, set[tuple]]:
    found = {}
    for kind, sql in POSTGRES_CATALOG.items():
        cursor.execute(sql)
        found[kind] = {tuple(_expression(v) for v in row) for row in cursor.fetchall()}
    return found


def differences(expected: dict[str, set[tuple]], actual: dict[str, set[tuple]]) -> list[str]:
    """What `actual` has that `expected` has not ("extra") and the reverse ("missing")."""
    lines = []
    for kind in sorted(set(expected) | set(actual)):
        want, have = expected.get(kind, set()), actual.get(kind, set())
        lines += [f"extra {kind}: {_show(item)}" for item in sorted(have - want, key=repr)]
        lines += [f"missing {kind}: {_show(item)}" for item in sorted(want - have, key=repr)]
    return lines


def _show(item: tuple) -> str:
    text = " ".join(str(part) for part in item if part not in (None, ""))
    return text if len(text) <= 300 else text[:297] + "…"


def audit_trigger_problems(connection) -> list[str]:
    """The append-only triggers of migration 0004 as they must be: present, enabled,
    refusing what they refuse, and (PostgreSQL) calling a function that still raises."""
    vendor = connection.vendor
    problems = []
    expected = AUDIT_TRIGGERS.get(vendor, {})
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [AUDIT_TABLE],
            )
            found = {name: _squash(sql).upper() for name, sql in cursor.fetchall()}
            for name, event in expected.items():
                sql = found.get(name)
                if sql is None:
                    problems.append(f"trigger {name} is missing")
                elif _events(sql) != event or "RAISE(ABORT" not in sql:
                    problems.append(f"trigger {name} no longer refuses {_say(event)}")
        elif vendor == "postgresql":
            cursor.execute(
                """SELECT t.tgname, t.tgenabled, pg_get_triggerdef(t.oid), p.prosrc
                FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                WHERE t.tgrelid = %s::regclass AND NOT t.tgisinternal""",
                [AUDIT_TABLE],
            )
            found = {row[0]: row[1:] for row in cursor.fetchall()}
            for name, event in expected.items():
                if name not in found:
                    problems.append(f"trigger {name} is missing")
                    continue
                enabled, definition, source = found[name]
                if enabled == "D":
                    problems.append(f"trigger {name} is disabled")
                if _events(definition) != event:
                    problems.append(f"trigger {name} no longer refuses {_say(event)}")
                if AUDIT_FUNCTION not in definition or _squash(source) != _audit_function_body():
                    problems.append(f"trigger {name} no longer calls a function that refuses")
    return problems


def _events(definition: str) -> set[str]:
    match = re.search(r"\bBEFORE\s+(.+?)\s+ON\b", definition, re.IGNORECASE)
    return set(re.split(r"\s+OR\s+", match.group(1).upper())) if match else set()


def _say(events: set[str]) -> str:
    return " or ".join(sorted(events))
