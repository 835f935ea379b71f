"""Export of a collection version as a ZIP: its files and hashes verify; items the exporter
may not see never reach it, only their count; every export is audited when it starts; a
hidden collection or version answers 404; the response streams."""

import csv
import hashlib
import io
import json
import zipfile

import bibtexparser
import pytest
import rispy
from django.test import Client

from archive import hashing, roles
from archive.models import AuditEntry, Collection
from archive.services import collections as coll
from archive.services import intake
from archive.services.versions import canonical_json
from tests.collections.cited import SECRET_TEXT, SECRET_TITLE, STAFF, build_corpus
from tests.factories import make_record, make_user, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_corpus(images=True)


def reader(user=None) -> Client:
    client = Client()
    if user is not None:
        sign_in(client, user)
    return client


def export_url(corpus, number=1) -> str:
    return f"/collections/{corpus.collection.slug}/v/{number}/export.zip"


def download(client, url) -> tuple[zipfile.ZipFile, dict[str, bytes]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    chunks = list(response.streaming_content)
    assert len(chunks) > 1  # written as it goes, not built whole and sent at once
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None  # every entry's CRC checks
    return archive, {name: archive.read(name) for name in archive.namelist()}


def csv_text(cell: str) -> str:
    """The documented rule: one leading apostrophe, where present, was added."""
    return cell[1:] if cell.startswith("'") else cell


def test_the_files_and_their_hashes_verify(corpus):
    lawyer = make_user("law", roles.LAWYER)  # sees every item, so nothing is left out
    archive, files = download(reader(lawyer), export_url(corpus))

    # SHA256SUMS covers every other file, and each sum is right.
    sums = dict(reversed(line.split("  ", 1)) for line in files["SHA256SUMS"].decode().splitlines())
    assert set(sums) == set(files) - {"SHA256SUMS"}
    for name, digest in sums.items():
        assert hashlib.sha256(files[name]).hexdigest() == digest, name

    manifest = json.loads(files["manifest.json"])
    version = corpus.version
    assert (manifest["version"], manifest["manifest_hash"]) == (1, version.manifest_hash)
    assert manifest["hidden_items"] == 0 and manifest["item_count"] == 3
    assert [i["position"] for i in manifest["items"]] == [1, 2, 3]
    # The manifest as published: its plain sha256sum is the version's manifest hash.
    assert hashlib.sha256(files["published-manifest.json"]).hexdigest() == version.manifest_hash
    assert manifest["citation"]["csl"]["URL"].endswith(
        f"/collections/{version.collection.slug}/v/1/"
    )
    assert version.manifest_hash in manifest["citation"]["chicago"]

    # Each pinned version's snapshot hashes to its version hash; its text to its content hash.
    records = {e["record"]: e for e in json.loads(files["records.json"])}
    assert len(records) == 3
    for item in manifest["items"]:
        entry = records[item["record"]]
        assert entry["version"] == item["record_version"]
        snapshot = entry["snapshot"]
        assert hashlib.sha256(canonical_json(snapshot)).hexdigest() == item["record_version_hash"]
        texts = [p["text"] for p in snapshot["passages"]]
        assert hashing.record_hash(texts) == item["content_hash"]

    # Each CSV row's text hashes to its sha256, which is the snapshot's and the manifest's.
    rows = list(csv.DictReader(io.StringIO(files["records.csv"].decode("utf-8-sig"))))
    assert len(rows) == sum(len(e["snapshot"]["passages"]) for e in records.values())
    for row in rows:
        assert hashing.sha256_text(csv_text(row["text"])) == row["sha256"]
    [passage_item] = [i for i in manifest["items"] if i["passage"]]
    [row] = [r for r in rows if (r["record"], r["passage"]) == (passage_item["record"], "2")]
    assert row["sha256"] == passage_item["passage_sha256"]

    # The images, named by their SHA-256, which is what they hash to.
    images = [name for name in files if name.startswith("images/")]
    assert len(images) == 2
    for name in images:
        assert hashlib.sha256(files[name]).hexdigest() == name.rsplit("/", 1)[1].split(".")[0]
        assert archive.getinfo(name).compress_type == zipfile.ZIP_STORED

    # Citations: the collection version, three record versions and the cited passage.
    bib = bibtexparser.parse_string(files["citations.bib"].decode())
    assert bib.failed_blocks == [] and len(bib.entries) == 5
    ris = rispy.loads(files["citations.ris"].decode())
    assert {e["id"] for e in ris} == {e.key for e in bib.entries}
    readme = files["README.txt"].decode()
    assert "sha256sum -c SHA256SUMS" in readme and "No item was left out." in readme
    everything = b"".join(files.values()).decode("utf-8", "replace")
    assert not any(name in everything for name in STAFF)


@pytest.mark.parametrize("role", ["anonymous", "researcher"])
def test_a_hidden_item_never_reaches_an_export(corpus, role):
    user = make_user("res", roles.RESEARCHER) if role == "researcher" else None
    secret = corpus.secret
    pinned = secret.versions.order_by("-number").first()
    image = secret.attachments.get()
    _, files = download(reader(user), export_url(corpus))
    manifest = json.loads(files["manifest.json"])
    assert manifest["hidden_items"] == 1 and manifest["item_count"] == 2
    assert "published-manifest.json" not in files
    assert not any(secret.public_id in name or image.sha256 in name for name in files)
    traces = [
        secret.public_id,
        secret.public_id.replace("-", ""),  # citation keys
        SECRET_TITLE,
        SECRET_TEXT,
        pinned.version_hash,
        pinned.content_hash,
        image.sha256,
        "Camp gate",
    ]
    for name, data in files.items():
        text = data.decode("utf-8", "replace")
        for trace in traces:
            assert trace not in text, (name, trace)
    assert "1 item(s) of this version are not available" in files["README.txt"].decode()


def test_every_export_is_audited_when_it_starts(corpus):
    researcher = make_user("res", roles.RESEARCHER)
    response = reader(researcher).get(export_url(corpus))
    # Before a byte is read: a started export may already have delivered data.
    [entry] = AuditEntry.objects.filter(action="export")
    assert entry.actor == researcher
    assert (entry.target_type, entry.target_id) == ("collection", corpus.collection.slug)
    assert entry.detail == {"version": 1, "format": "zip", "items": 2, "hidden_items": 1}
    b"".join(response.streaming_content)
    reader().get(export_url(corpus))
    anonymous = AuditEntry.objects.filter(action="export").exclude(pk=entry.pk).get()
    assert anonymous.actor is None and anonymous.ip_hash


def test_hidden_collections_and_versions_answer_404(corpus):
    private = Collection.objects.create(slug="private-bundle", title="Private")
    private.curators.add(corpus.curator)
    record = corpus.article
    coll.collection_add_item(collection=private, record=record, by=corpus.curator)
    coll.collection_publish(collection=private, by=corpus.curator)
    researcher = make_user("res", roles.RESEARCHER)
    for user in (None, researcher):
        client = reader(user)
        assert client.get("/collections/private-bundle/v/1/export.zip").status_code == 404
        assert client.get(export_url(corpus, number=2)).status_code == 404
        assert client.get("/collections/no-such-thing/v/1/export.zip").status_code == 404
    assert not AuditEntry.objects.filter(action="export").exists()
    assert reader(corpus.curator).get("/collections/private-bundle/v/1/export.zip").status_code == (
        200
    )


def test_csv_cells_never_run_as_formulas(corpus):
    record = make_record(
        "=SUM(A1:A9)+1", "-5 degrees in the cell", "'quoted' he said",
        title="Formulas",
    )  # fmt: skip
    intake.publish(record=record, by=corpus.boss)
    coll.collection_add_item(collection=corpus.collection, record=record, by=corpus.curator)
    coll.collection_publish(collection=corpus.collection, by=corpus.curator)
    _, files = download(reader(), export_url(corpus, number=2))
    rows = list(csv.DictReader(io.StringIO(files["records.csv"].decode("utf-8-sig"))))
    texts = [r["text"] for r in rows if r["record"] == record.public_id]
    assert texts == [
        "'=SUM(A1:A9)+1",
        "'-5 degrees in the cell",
        "''quoted' he said",
    ]
    assert [csv_text(t) for t in texts] == [p.text for p in record.passages.order_by("position")]
