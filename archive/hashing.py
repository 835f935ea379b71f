"""Text normalization and SHA-256 content hashes, defined once so anyone can recompute them.

The algorithm is documented in docs/integrity.md; changing it invalidates every stored hash.
"""

import hashlib
import json
import unicodedata
from collections.abc import Iterable

PASSAGE_SEPARATOR = "\n\n"


def normalize_text(text: str) -> str:
    """NFC, LF line endings, no trailing spaces on a line, no leading or trailing blank space."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def sha256_text(text: str) -> str:
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()


def record_text(passage_texts: Iterable[str]) -> str:
    """The canonical text of a record: its normalized passages in reading order."""
    return PASSAGE_SEPARATOR.join(normalize_text(text) for text in passage_texts)


def record_hash(passage_texts: Iterable[str]) -> str:
    return hashlib.sha256(record_text(passage_texts).encode("utf-8")).hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_stream(handle, chunk: int = 1024 * 1024) -> str:
    """Of an open binary file, read in chunks (bounded memory for large images)."""
    digest = hashlib.sha256()
    while block := handle.read(chunk):
        digest.update(block)
    return digest.hexdigest()


# Canonical JSON: keys sorted, no whitespace, characters as themselves, UTF-8. Record versions
# and collection manifests are hashed over these bytes (docs/versions.md).
CANONICAL_JSON = {"sort_keys": True, "ensure_ascii": False, "separators": (",", ":")}


def canonical_json(data) -> bytes:
    return json.dumps(data, **CANONICAL_JSON).encode("utf-8")


def sha256_json(data) -> str:
    return hashlib.sha256(canonical_json(data)).hexdigest()
