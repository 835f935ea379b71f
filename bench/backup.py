#!/usr/bin/env python
"""Backup benchmark: time and size of `backup` and `restore` of the seeds plus a corpus.

    .venv/bin/python bench/backup.py --passages 10000

A fresh temporary data directory (SQLite) holds the source: migrate, load_seeds, the
synthetic corpus of bench/search.py (same generator, same seed), --images sanitized photos
added through attachment_add, and a full index. Then, for a plain .tar and a .tar.gz:
`backup` in this process, `restore` into a second empty data directory in a child process
(wall clock, Django start included), and archive_digest on both sides must be equal.
The benchmark reports; it never fails on a missed target.
"""

import argparse
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import search as corpus  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--passages", type=int, default=10_000)
    p.add_argument("--images", type=int, default=20)
    p.add_argument("--seed", type=int, default=corpus.DEFAULT_SEED)
    return p.parse_args(argv)


def photo(rng: random.Random) -> bytes:
    from PIL import Image

    # Noise, so JPEG cannot shrink it to nothing: closer to a real photo's size.
    image = Image.frombytes("RGB", (1024, 768), rng.randbytes(1024 * 768 * 3))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def child_env(data: Path) -> dict:
    return {
        **os.environ,
        "ARCHIVE_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'archive.sqlite3'}",
        "ARCHIVE_INDEX_DIR": str(data / "index"),
    }


def manage(data: Path, *args) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=child_env(data),
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - started, done.stdout


def main(argv=None) -> None:
    args = parse_args(argv)
    source = Path(tempfile.mkdtemp(prefix="archive-bench-backup-"))
    corpus.configure_environment(
        argparse.Namespace(data_dir=source, database_url=None, debug=False)
    )
    corpus.setup_django()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from archive.models import Record
    from archive.search import engine
    from archive.services.attachments import attachment_add
    from archive.services.backup import create_backup
    from archive.services.digest import archive_digest

    call_command("migrate", verbosity=0)
    call_command("load_seeds", stdout=io.StringIO())
    made = corpus.generate_corpus(argparse.Namespace(passages=args.passages, seed=args.seed), print)
    rng = random.Random(args.seed)
    keeper = get_user_model().objects.create_superuser("bench-keeper", password="x" * 24)
    for record in Record.objects.filter(state="draft").order_by("pk")[: args.images]:
        attachment_add(record=record, data=photo(rng), by=keeper, note="bench")
    engine.rebuild()
    expected = archive_digest()
    print(
        f"corpus: {made['records']:,} records, {made['passages']:,} passages, {args.images} images"
    )
    db_bytes = (source / "bench.sqlite3").stat().st_size
    print(f"SQLite database {db_bytes / 1e6:.1f} MB")
    for name in ("backup.tar", "backup.tar.gz"):
        out = source / name
        report = create_backup(out)
        target = Path(tempfile.mkdtemp(prefix="archive-bench-restore-"))
        seconds, said = manage(target, "restore", str(out))
        _, digest = manage(target, "archive_digest")
        same = json.loads(digest) == expected
        print(
            f"{name}: {report.size / 1e6:.1f} MB, backup {report.seconds:.2f} s, "
            f"restore {seconds:.2f} s (wall clock, index rebuild included), identical: {same}"
        )
        print(f"  {said.strip()}")
        shutil.rmtree(target)
    shutil.rmtree(source)


if __name__ == "__main__":
    main()
