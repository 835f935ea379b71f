"""Reading an import file: its size, its encoding, its format and its rows with line numbers."""

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from archive import bounded_json

JSONL, CSV = "jsonl", "csv"
FORMAT_NAMES = {JSONL: "JSON Lines", CSV: "CSV"}
EXTENSIONS = {".jsonl": JSONL, ".ndjson": JSONL, ".json": JSONL, ".csv": CSV}
# JSON objects under these keys are spelled out as dotted names, the CSV column names.
NESTED = ("source", "tags")


@dataclass(frozen=True)
class Problem:
    """An error or warning; `line` None means the whole file, `field` "" the whole row."""

    line: int | None
    field: str
    message: str

    def __str__(self):
        where = [f"line {self.line}" if self.line else "file"]
        if self.field:
            where.append(f"field {self.field}")
        return f"{', '.join(where)}: {self.message}"


@dataclass
class RawRow:
    line: int
    values: dict[str, object] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Columns:
    """What the rows may hold: CSV headers are checked against it once, for the whole file."""

    required: tuple[str, ...]
    known: object  # callable: column name -> bool


class FileRejected(Exception):
    """The file as a whole cannot be read; nothing in it was looked at further."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


# -- encoding ---------------------------------------------------------------------------------

BOMS = [
    # UTF-32 first: its little-endian BOM begins with UTF-16's.
    (codecs.BOM_UTF32_LE, None, "UTF-32"),
    (codecs.BOM_UTF32_BE, None, "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE"),
]


def decode(data: bytes) -> tuple[str, str]:
    """The text and the name of its encoding. UTF-8 (BOM optional) and UTF-16 with a BOM are
    read; anything else is refused with the place of the first byte that does not fit, because
    a single-byte code page cannot be told from another with certainty (docs/import.md)."""
    for bom, codec, label in BOMS:
        if data.startswith(bom):
            if codec is None:
                raise _rejected(None, f"the file is {label}; save it as UTF-8 and import again.")
            return _strict(data[len(bom) :], codec, label, len(bom)), label
    if len(data) >= 4 and b"\x00\x00" in (data[0:4:2], data[1:4:2]):
        raise _rejected(
            None,
            "the file looks like UTF-16 without a byte order mark; save it as UTF-8 "
            "(or UTF-16 with a BOM) and import again.",
        )
    return _strict(data, "utf-8", "UTF-8", 0), "UTF-8"


def _strict(body: bytes, codec: str, label: str, skipped: int) -> str:
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as exc:
        offset = skipped + exc.start
        raise _rejected(
            _line_of(body, exc.start, codec),
            f"not valid {label}: byte 0x{body[exc.start]:02X} at byte offset {offset} "
            f"({exc.reason}). {_hint(body, codec)}Nothing was imported.",
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise _rejected(line, "the file contains a NUL character, which no text may hold.")
    return text


def _line_of(body: bytes, index: int, codec: str) -> int:
    newline = "\n".encode(codec)
    return body[:index].count(newline) + 1


def _hint(body: bytes, codec: str) -> str:
    if codec != "utf-8":
        return ""
    # The usual cause; said as a likelihood, since the bytes cannot prove which code page.
    return (
        "The file was probably saved in a single-byte code page such as Windows-1252 or "
        "Latin-1; save it as UTF-8 and import again. "
    )


def _rejected(line: int | None, message: str) -> FileRejected:
    return FileRejected([Problem(line, "", message)])


# -- format -----------------------------------------------------------------------------------


def detect_format(name: str, text: str) -> str:
    """By the file name's extension; without a known one, by the first character."""
    by_name = EXTENSIONS.get(PurePath(name or "").suffix.lower())
    if by_name:
        return by_name
    return JSONL if text.lstrip()[:1] in ("{", "[") else CSV


def parse(text: str, fmt: str, *, max_rows: int, columns: Columns) -> list[RawRow]:
    if fmt == JSONL:
        rows = _parse_jsonl(text, max_rows)
    else:
        rows = _parse_csv(text, max_rows, columns)
    if not rows:
        raise _rejected(None, "the file holds no rows.")
    return rows


def _too_many(max_rows: int) -> FileRejected:
    return _rejected(
        None,
        f"the file holds more than {max_rows:,} rows, the most one import takes "
        "(ARCHIVE_IMPORT_MAX_ROWS); split it into smaller files.",
    )


def _parse_jsonl(text: str, max_rows: int) -> list[RawRow]:
    if text.lstrip().startswith("["):
        raise _rejected(
            1, "the file is one JSON array; write one JSON object per line (JSON Lines)."
        )
    rows = []
    # Only LF ends a line: str.splitlines would also split at U+2028 inside a JSON string.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if len(rows) == max_rows:
            raise _too_many(max_rows)
        row = RawRow(number)
        rows.append(row)
        try:
            value = bounded_json.loads(line, object_pairs_hook=_no_repeated_keys)
        except _RepeatedKey as exc:
            row.problems.append(Problem(number, exc.key, "given twice in this object"))
            continue
        except bounded_json.JSONRejected as exc:
            row.problems.append(Problem(number, "", f"not valid JSON ({exc})"))
            continue
        if not isinstance(value, dict):
            row.problems.append(
                Problem(number, "", f"expected a JSON object {{…}}, found {_json_type(value)}")
            )
            continue
        row.values = _flatten(value, row)
    return rows


class _RepeatedKey(ValueError):
    def __init__(self, key: str):
        self.key = key


def _no_repeated_keys(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise _RepeatedKey(key)
        seen[key] = value
    return seen


def _json_type(value) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "a number" if not isinstance(value, bool) else "true/false"


def _flatten(obj: dict, row: RawRow) -> dict[str, object]:
    values: dict[str, object] = {}
    for key, value in obj.items():
        key = str(key).strip().lower()
        if key in NESTED and isinstance(value, dict):
            for inner, inner_value in value.items():
                _put(values, f"{key}.{str(inner).strip().lower()}", inner_value, row)
        else:
            _put(values, key, value, row)
    return values


def _put(values: dict, key: str, value, row: RawRow) -> None:
    if key in values:
        row.problems.append(Problem(row.line, key, "given twice in this object"))
    values[key] = value


def _parse_csv(text: str, max_rows: int, known: Columns) -> list[RawRow]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    _allow_long_cells(len(text))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise _rejected(1, f"the header row cannot be read as CSV ({exc}).") from None
    if not header:
        raise _rejected(None, "the file holds no rows.")
    columns = [c.strip().lower() for c in header]
    _check_header(columns, header, known)
    rows, last_line = [], reader.line_num
    while True:
        start = last_line + 1
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            raise _rejected(start, _csv_error(exc)) from None
        if cells is None:
            break
        last_line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(rows) == max_rows:
            raise _too_many(max_rows)
        row = RawRow(start)
        rows.append(row)
        if len(cells) != len(columns):
            row.problems.append(
                Problem(
                    start,
                    "",
                    f"{len(cells)} cells where the header has {len(columns)} columns "
                    "(a missing or extra comma, or a cell with a comma that is not quoted?)",
                )
            )
            continue
        row.values = dict(zip(columns, cells, strict=True))
    return rows


def _check_header(columns: list[str], header: list[str], spec: Columns) -> None:
    if len(header) == 1 and ";" in header[0]:
        raise _rejected(1, "the header has one column holding ';': separate columns with commas.")
    problems = []
    if "" in columns:
        problems.append(Problem(1, "", f"column {columns.index('') + 1} has no name"))
    repeated = sorted({c for c in columns if c and columns.count(c) > 1})
    if repeated:
        problems.append(Problem(1, "", f"column(s) given twice: {', '.join(repeated)}"))
    unknown = [c for c in columns if c and not spec.known(c)]
    if unknown:
        problems.append(Problem(1, "", f"unknown column(s): {', '.join(unknown)}"))
    missing = [c for c in spec.required if c not in columns]
    if missing:
        problems.append(Problem(1, "", f"required column(s) missing: {', '.join(missing)}"))
    if problems:
        raise FileRejected(problems)


def _csv_error(exc: csv.Error) -> str:
    message = str(exc)
    if "unexpected end of data" in message or "EOF" in message:
        return "a quoted cell that starts in this row is never closed (a missing '\"')."
    if "expected after" in message:
        return f'a quote inside a quoted cell must be doubled (""); found a lone \'"\' ({message}).'
    return f"the row cannot be read as CSV ({message})."


def _allow_long_cells(size: int) -> None:
    # A whole testimony sits in one cell; the csv module's default cap is 128 KiB. The file
    # size cap bounds this, and the limit is process-wide, so it only ever grows.
    if csv.field_size_limit() < size:
        csv.field_size_limit(size)


# -- list cells -------------------------------------------------------------------------------

LIST_SEPARATOR = re.compile(r"\s*;\s*")


def as_list(value) -> list:
    """A list field: a JSON array as it is, or text split at ';' (as CSV cells are)."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return [item for item in LIST_SEPARATOR.split(value.strip()) if item]
    return [value]
