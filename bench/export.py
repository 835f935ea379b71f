#!/usr/bin/env python
"""Export benchmark: stream the ZIP of a collection version of 50,000 items; time and memory.

    .venv/bin/python bench/export.py                 # 50,000 items
    .venv/bin/python bench/export.py --items 5000 --keep

Runs in a fresh temporary data directory (SQLite database and media), never the development
data. Steps: migrate; a corpus made with random.Random(--seed) and bulk_create (no services,
no index): --items published records, ~70 % article excerpts and ~30 % testimony, ~10 %
restricted (hidden from an anonymous exporter), each with one RecordVersion whose snapshot
has 5-12 passages of 40-100 words (Zipf-weighted made-up words) and hashes computed as the
services compute them; --images records with one small JPEG each; one public collection
with a published version of one item per record, ~20 % of them single passages.
Then, through django.test.Client (the whole middleware stack), GET …/export.zip as an
anonymous reader and as an archivist, consuming the stream chunk by chunk into a file:
wall time, items/s, MB/s, the peak RSS growth over the process before the export (VmHWM
reset through /proc/self/clear_refs), and in a second pass tracemalloc's peak (which
slows Python down, so that pass is not timed). The ZIP is then opened and its manifest and
SHA256SUMS checked. The benchmark reports; it never fails on a missed target.
"""

import argparse
import gc
import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEED = 20261202
TARGET_RSS_GROWTH_MB = 150


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--items", type=int, default=50_000)
    p.add_argument("--images", type=int, default=200)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--no-tracemalloc", action="store_true", help="skip the tracemalloc passes")
    p.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    # internal: build the corpus in a child process, whose memory the export never inherits
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--export-as", choices=("anonymous", "archivist"), help=argparse.SUPPRESS)
    p.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def configure_environment(data_dir: Path | None) -> Path:
    """Point settings at the benchmark's data directory; must run before django.setup()."""
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="archive-bench-export-"))
    os.environ["ARCHIVE_DATA_DIR"] = str(data_dir)
    os.environ.pop("ARCHIVE_INDEX_DIR", None)
    os.environ["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["DEBUG"] = "0"  # DEBUG keeps every query in memory
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["ARCHIVE_BASE_URL"] = "https://archive.example.org"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return data_dir


# -- memory of this process -----------------------------------------------------------------------


def _status(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB -> MB
    return float("nan")


def reset_peak_rss() -> bool:
    """Linux resets VmHWM (the peak RSS) to the current RSS when "5" is written here."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


# -- corpus ---------------------------------------------------------------------------------------


def make_words(rng: random.Random, n: int = 20_000) -> tuple[list[str], list[float]]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = sorted({"".join(rng.choices(letters, k=rng.randint(2, 11))) for _ in range(n)})
    weights = [1 / rank for rank in range(1, len(words) + 1)]
    return words, weights


def build_corpus(args, rng: random.Random, media: Path) -> tuple[str, int]:
    """Returns (collection slug, number of restricted items)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from PIL import Image

    from archive import hashing
    from archive.models import (
        Attachment,
        Collection,
        CollectionVersion,
        CollectionVersionItem,
        IdentifierCounter,
        Record,
        RecordVersion,
    )
    from archive.services.collections import manifest_hash
    from archive.services.versions import SNAPSHOT_FORMAT, snapshot_hash

    curator = get_user_model().objects.create_user("bench-curator", password=None)
    words, weights = make_words(rng)
    now = timezone.now()
    restricted = 0
    counters = {"A": 0, "T": 0}
    batch = 2000
    image_every = max(1, args.items // args.images) if args.images else 0
    (media / "attachments").mkdir(parents=True, exist_ok=True)
    manifest_items = []
    for start in range(0, args.items, batch):
        records, snapshots, images = [], [], []
        for i in range(start, min(start + batch, args.items)):
            testimony = rng.random() < 0.3
            prefix = "T" if testimony else "A"
            counters[prefix] += 1
            public_id = f"{prefix}-{counters[prefix]:06d}"
            level = "restricted" if rng.random() < 0.1 else "public"
            restricted += level == "restricted"
            texts = [
                " ".join(rng.choices(words, weights, k=rng.randint(40, 100))).capitalize() + "."
                for _ in range(rng.randint(5, 12))
            ]
            content_hash = hashing.record_hash(texts)
            title = f"Bench record {i}: " + " ".join(rng.choices(words, weights, k=5))
            records.append(
                Record(
                    public_id=public_id,
                    kind="testimony" if testimony else "article_excerpt",
                    title=title,
                    language="en",
                    state="published",
                    access_level=level,
                    content_hash=content_hash,
                    next_passage_number=len(texts) + 1,
                )
            )
            attachments = []
            if image_every and i % image_every == 0:
                image = Image.new("RGB", (rng.randint(200, 800), rng.randint(150, 600)), "gray")
                buffer = io.BytesIO()
                image.save(buffer, "JPEG", quality=85)
                data = buffer.getvalue()
                sha = hashlib.sha256(data).hexdigest()
                (media / "attachments" / f"{sha}.jpg").write_bytes(data)
                images.append((public_id, sha, image.size))
                attachments.append(
                    {
                        "number": 1,
                        "caption": "",
                        "sha256": sha,
                        "format": "JPEG",
                        "width": image.size[0],
                        "height": image.size[1],
                    }
                )
            snapshots.append(
                {
                    "format": SNAPSHOT_FORMAT,
                    "public_id": public_id,
                    "kind": "testimony" if testimony else "article_excerpt",
                    "title": title,
                    "summary": "",
                    "language": "en",
                    "event_start": None,
                    "event_start_precision": "day",
                    "event_end": None,
                    "event_end_precision": "day",
                    "state": "published",
                    "access_level": level,
                    "embargo_until": None,
                    "content_hash": content_hash,
                    "source": None
                    if testimony
                    else {
                        "outlet": f"Bench Outlet {rng.randint(1, 50)}",
                        "title": "A report",
                        "authors": [f"Author {rng.randint(1, 500)}"],
                        "url": "",
                        "language": "en",
                        "published_on": None,
                        "published_precision": "day",
                    },
                    "testimony": {"narrator_pseudonym": f"Narrator B-{i}", "consent_scope": "legal"}
                    if testimony
                    else None,
                    "tags": [],
                    "passages": [
                        {
                            "number": n,
                            "role": "body",
                            "text": text,
                            "sha256": hashing.sha256_text(text),
                            "tags": [],
                        }
                        for n, text in enumerate(texts, start=1)
                    ],
                    "attachments": attachments,
                }
            )
        Record.objects.bulk_create(records)
        ids = dict(
            Record.objects.filter(public_id__in=[r.public_id for r in records]).values_list(
                "public_id", "pk"
            )
        )
        RecordVersion.objects.bulk_create(
            RecordVersion(
                record_id=ids[s["public_id"]],
                number=1,
                created_at=now,
                note="published",
                state="published",
                content_hash=s["content_hash"],
                version_hash=snapshot_hash(s),
                snapshot=s,
            )
            for s in snapshots
        )
        Attachment.objects.bulk_create(
            Attachment(
                record_id=ids[public_id],
                number=1,
                file=f"attachments/{sha}.jpg",
                thumbnail=f"attachments/{sha}.jpg",
                sha256=sha,
                format="JPEG",
                width=size[0],
                height=size[1],
            )
            for public_id, sha, size in images
        )
        for s in snapshots:
            passage = rng.randint(1, len(s["passages"])) if rng.random() < 0.2 else None
            sha = s["passages"][passage - 1]["sha256"] if passage else None
            manifest_items.append((s["public_id"], s["content_hash"], passage, sha))
    for prefix, value in counters.items():
        IdentifierCounter.objects.update_or_create(prefix=prefix, defaults={"last_value": value})

    collection = Collection.objects.create(
        slug="bench", title="Bench collection", visibility="public"
    )
    collection.curators.add(curator)
    versions = dict(RecordVersion.objects.values_list("record__public_id", "pk"))
    hashes = dict(RecordVersion.objects.values_list("pk", "version_hash"))
    records = dict(Record.objects.values_list("public_id", "pk"))
    manifest = {
        "format": 1,
        "collection": "bench",
        "version": 1,
        "title": collection.title,
        "description": "",
        "published_at": now.isoformat(),
        "items": [
            {
                "position": position,
                "record": public_id,
                "record_version": 1,
                "record_version_hash": hashes[versions[public_id]],
                "content_hash": content_hash,
                "passage": passage,
                "passage_sha256": sha,
                "annotation": "",
            }
            for position, (public_id, content_hash, passage, sha) in enumerate(
                manifest_items, start=1
            )
        ],
    }
    version = CollectionVersion.objects.create(
        collection=collection,
        number=1,
        title=collection.title,
        published_at=now,
        published_by=curator,
        manifest=manifest,
        manifest_hash=manifest_hash(manifest),
    )
    CollectionVersionItem.objects.bulk_create(
        (
            CollectionVersionItem(
                version=version,
                position=position,
                record_id=records[public_id],
                record_version_id=versions[public_id],
                passage_number=passage,
            )
            for position, (public_id, _, passage, _) in enumerate(manifest_items, start=1)
        ),
        batch_size=5000,
    )
    return "bench", restricted


# -- the export -----------------------------------------------------------------------------------


def client_for(who: str):
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    if who == "archivist":
        user, _ = get_user_model().objects.get_or_create(
            username="bench-archivist", defaults={"is_staff": True, "is_superuser": True}
        )
        client.force_login(user)
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def run_export(url: str, who: str, out: Path, traced: bool) -> dict:
    client = client_for(who)
    # Warm up: the first request loads the URL configuration, middleware and views.
    client.get(url.replace("export.zip", "cite"), {"format": "apa"})
    gc.collect()
    base_rss = _status("VmRSS")
    reset = reset_peak_rss()
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.get(url)
    first = None
    size = chunks = 0
    with out.open("wb") as f:
        for chunk in response.streaming_content:
            if first is None:
                first = time.perf_counter() - started
            f.write(chunk)
            size += len(chunk)
            chunks += 1
    wall = time.perf_counter() - started
    result = {
        "who": who,
        "wall_s": round(wall, 2),
        "first_byte_s": round(first or 0.0, 3),
        "bytes": size,
        "chunks": chunks,
        "rss_before_mb": round(base_rss, 1),
        "rss_growth_mb": round(_status("VmHWM") - base_rss, 1) if reset else None,
    }
    if traced:
        result["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    response.close()
    return result


def check_zip(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        sums = dict(
            reversed(line.split("  ", 1)) for line in zf.read("SHA256SUMS").decode().splitlines()
        )
        bad = []
        for name, digest in sums.items():
            h = hashlib.sha256()
            with zf.open(name) as f:
                while data := f.read(1 << 20):
                    h.update(data)
            if h.hexdigest() != digest:
                bad.append(name)
        return {
            "files": len(zf.namelist()),
            "items": manifest["item_count"],
            "hidden": manifest["hidden_items"],
            "sha256sums_ok": not bad and set(sums) == set(zf.namelist()) - {"SHA256SUMS"},
            "uncompressed_mb": round(sum(i.file_size for i in zf.infolist()) / 2**20, 1),
        }


def main(argv=None) -> None:
    args = parse_args(argv)
    data_dir = configure_environment(args.data_dir)
    if args.child:
        build(args)
        return
    if args.export_as:
        export_child(args, data_dir)
        return
    try:
        run(args, data_dir)
    finally:
        if args.keep:
            print(f"data kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def build(args) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    slug, restricted = build_corpus(args, random.Random(args.seed), Path(settings.MEDIA_ROOT))
    seconds = round(time.perf_counter() - started)
    print(json.dumps({"slug": slug, "restricted": restricted, "seconds": seconds}))


def export_child(args, data_dir: Path) -> None:
    """One exporter in a fresh process, so its RSS growth is its own."""
    import django

    django.setup()
    url = "/collections/bench/v/1/export.zip"
    out = data_dir / f"export-{args.export_as}.zip"
    result = run_export(url, args.export_as, out, traced=False)
    if not args.no_tracemalloc:
        traced = run_export(url, args.export_as, out, traced=True)
        result["tracemalloc_peak_mb"] = traced["tracemalloc_peak_mb"]
    print(json.dumps(result))


def child(args, data_dir: Path, *extra: str) -> dict:
    command = [sys.executable, __file__, "--data-dir", str(data_dir), *extra]
    if args.no_tracemalloc:
        command.append("--no-tracemalloc")
    done = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
    return json.loads(done.stdout.splitlines()[-1])


def run(args, data_dir: Path) -> None:
    # Each step runs in its own process: memory freed by one step (the corpus, an earlier
    # export) could otherwise be reused by the next without showing as RSS growth.
    sizes = ["--items", str(args.items), "--images", str(args.images), "--seed", str(args.seed)]
    built = child(args, data_dir, "--child", *sizes)
    db_mb = (data_dir / "bench.sqlite3").stat().st_size / 2**20
    print(
        f"corpus: {args.items} items ({built['restricted']} restricted), {args.images} images, "
        f"seed {args.seed}, database {db_mb:.0f} MB, built in {built['seconds']} s"
    )
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, SQLite")
    print(f"started {datetime.now(UTC).isoformat(timespec='seconds')}")
    results = []
    for who in ("anonymous", "archivist"):
        result = child(args, data_dir, "--export-as", who)
        result |= check_zip(data_dir / f"export-{who}.zip")
        result["items_per_s"] = round(result["items"] / result["wall_s"])
        result["mb_per_s"] = round(result["bytes"] / 2**20 / result["wall_s"], 1)
        results.append(result)
        print(
            f"{who}: {result['items']} items ({result['hidden']} hidden), "
            f"{result['bytes'] / 2**20:.0f} MB zip ({result['uncompressed_mb']} MB unzipped, "
            f"{result['files']} files) in {result['wall_s']} s = {result['items_per_s']} items/s, "
            f"{result['mb_per_s']} MB/s; first byte after {result['first_byte_s']} s; "
            f"RSS {result['rss_before_mb']} MB before, growth {result['rss_growth_mb']} MB "
            f"(target < {TARGET_RSS_GROWTH_MB}); "
            f"tracemalloc peak {result.get('tracemalloc_peak_mb')} MB; "
            f"SHA256SUMS {'ok' if result['sha256sums_ok'] else 'MISMATCH'}"
        )
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
