"""A digest of everything an archive holds, to compare two deployments (after a restore).

Counts and SHA-256 hashes only: the digest can be printed and kept without exposing any
testimony. `manage.py archive_digest` prints it as JSON.
"""

import hashlib
import json
import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from archive import models
from archive.search.query import SearchParams, search

# Each table's rows, whole, in primary-key order: a restore must give back identical rows.
TABLES = {
    "records": models.Record,
    "passages": models.Passage,
    "record_versions": models.RecordVersion,
    "testimony": models.Testimony,
    "sources": models.Source,
    "terms": models.Term,
    "aliases": models.Alias,
    "attachments": models.Attachment,
    "collections": models.Collection,
    "collection_items": models.CollectionItem,
    "collection_shares": models.CollectionShare,
    "collection_versions": models.CollectionVersion,
    "collection_version_items": models.CollectionVersionItem,
    "grants": models.Grant,
    "identifier_counters": models.IdentifierCounter,
    "issued_identifiers": models.IssuedIdentifier,
    "pii_findings": models.PiiFinding,
    "identifying_terms": models.IdentifyingTerm,
    "audit_entries": models.AuditEntry,
    "users": None,  # the user model, resolved at call time
}
SEARCH_WORDS = ("camp", "surveillance", "Uyghur", '"re-education camps"', "detain*")


def _canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()


def _table(model) -> dict:
    digest, count = hashlib.sha256(), 0
    for row in model.objects.order_by("pk").values().iterator(chunk_size=2000):
        digest.update(_canonical(row) + b"\n")
        count += 1
    return {"count": count, "sha256": digest.hexdigest()}


def _media() -> dict:
    root = Path(settings.MEDIA_ROOT)
    entries = []
    if root.is_dir():
        for directory, _, names in os.walk(root):
            for name in names:
                path = Path(directory) / name
                entries.append((path.relative_to(root).as_posix(), _file_hash(path)))
    entries.sort()
    return {"count": len(entries), "sha256": hashlib.sha256(_canonical(entries)).hexdigest()}


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _search(words) -> dict:
    """Record identifiers each word finds, as a reader without an account and as an
    archivist (who sees everything), with their passages and scores."""
    archivist = get_user_model().objects.filter(is_superuser=True, is_active=True).first()
    readers = {"anonymous": AnonymousUser()}
    if archivist is not None:
        readers["archivist"] = archivist
    out = {}
    for word in words:
        for who, user in readers.items():
            result = search(user, SearchParams(q=word, page_size=100))
            hits = [
                (hit.record.public_id, hit.score, [p.number for p in hit.passages])
                for hit in result.hits
            ]
            out[f"{who}:{word}"] = {
                "count": result.count,
                "sha256": hashlib.sha256(_canonical(hits)).hexdigest(),
            }
    return out


def archive_digest(search_words=SEARCH_WORDS) -> dict:
    tables = {name: _table(model or get_user_model()) for name, model in TABLES.items()}
    return {"tables": tables, "media": _media(), "search": _search(search_words)}
