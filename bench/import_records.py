#!/usr/bin/env python
"""Import benchmark: a dry run, a real import and a re-run of a generated JSON Lines file.

    .venv/bin/python bench/import_records.py --rows 1000

Runs in a fresh temporary data directory (SQLite database and Whoosh index), never the
development data. Steps: migrate, load_seeds (vocabulary and the eight seed articles, indexed),
then a corpus made with random.Random(--seed): ~70 % article excerpts and ~30 % testimony,
3-10 passages of 40-120 words drawn from the seed articles' own words, 0-5 tags named by
slug, label or alias, a source shared by about five rows, event dates with a precision,
~80 % asking to be published; testimony with narrator details, a consent scope and two
identifying terms, and one testimony in ten with a phone number (it stays a draft). Then:
1. `import_records(dry_run=True)`: decoding, parsing and every check, nothing written;
2. the same file for real: the writes in one transaction, then the index queue applied;
3. the same file again: every row a duplicate, nothing written.
The benchmark reports; it never fails on a missed target.
"""

import argparse
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEED = 20261201


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rows", type=int, default=1000)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--keep", action="store_true", help="Keep the temporary data directory.")
    return p.parse_args(argv)


def configure_environment() -> Path:
    """Point settings at a new temporary data directory; must run before django.setup()."""
    data_dir = Path(tempfile.mkdtemp(prefix="archive-bench-import-"))
    os.environ["ARCHIVE_DATA_DIR"] = str(data_dir)
    os.environ.pop("ARCHIVE_INDEX_DIR", None)
    os.environ["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["DEBUG"] = "0"  # DEBUG keeps every query in memory
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return data_dir


def generate(rng: random.Random, rows: int, words: list[str], spellings: dict) -> bytes:
    """JSON Lines for `rows` records; see the module docstring."""
    sources = [
        {
            "outlet": f"Bench Outlet {n}",
            "title": f"Bench report {n}",
            "authors": [f"Author {n}"],
            "published": f"{rng.randint(2015, 2023)}-{rng.randint(1, 12):02d}",
        }
        for n in range(max(1, rows // 5))
    ]
    lines = []
    for n in range(rows):
        testimony = rng.random() < 0.3
        passages = [
            " ".join(rng.choice(words) for _ in range(rng.randint(40, 120))).capitalize() + "."
            for _ in range(rng.randint(3, 10))
        ]
        row = {
            "kind": "testimony" if testimony else "article_excerpt",
            "title": f"Bench record {n}: " + " ".join(rng.sample(words, 5)),
            "language": "en",
            "state": "published" if rng.random() < 0.8 else "draft",
            "event_start": f"{rng.randint(2014, 2023)}" + rng.choice(["", "-03", "-11-02"]),
            "tags": {},
        }
        for _ in range(rng.randint(0, 5)):
            kind = rng.choice(sorted(spellings))
            row["tags"].setdefault(kind, []).append(rng.choice(spellings[kind]))
        if testimony:
            row |= {
                "narrator_pseudonym": f"Narrator B-{n}",
                "relation": rng.choice(["survivor", "witness", "relative"]),
                "consent_scope": rng.choice(["public", "research", "legal", "archive_only"]),
                "interview_date": f"{rng.randint(2018, 2024)}-{rng.randint(1, 12):02d}",
                "identifying_terms": [f"Benchname{n} Testov=>[NARRATOR]", f"Village{n}=>[VILLAGE]"],
            }
            if rng.random() < 0.1:
                passages[-1] += " The family's number was +90 532 000 00 00."
        else:
            row["source"] = rng.choice(sources)
        row["text"] = "\n\n".join(passages)
        lines.append(json.dumps(row, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode()


def main(argv=None) -> None:
    args = parse_args(argv)
    data_dir = configure_environment()
    try:
        run(args, data_dir)
    finally:
        if args.keep:
            print(f"data kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def run(args, data_dir: Path) -> None:
    import django

    django.setup()
    import io
    import re

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from archive.models import Alias, Passage, Record, Term
    from archive.search import engine
    from archive.services import imports

    call_command("migrate", verbosity=0)
    call_command("load_seeds", stdout=io.StringIO())
    user = get_user_model().objects.create_superuser("bench", password=None)
    words = sorted(
        {
            w.lower()
            for t in Passage.objects.values_list("text", flat=True)
            for w in re.findall(r"[A-Za-z]{3,}", t)
        }
    )
    spellings: dict[str, list[str]] = {}
    for term in Term.objects.exclude(kind="person"):
        spellings.setdefault(term.kind, []).append(term.slug)
    for label, kind in Alias.objects.exclude(kind="person").values_list("label", "kind"):
        spellings[kind].append(label)
    data = generate(random.Random(args.seed), args.rows, words, spellings)
    print(f"corpus: {args.rows} rows, {len(data) / 2**20:.1f} MiB, seed {args.seed}")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, SQLite")

    timed_drain = {"seconds": 0.0}
    drain = engine.drain

    def drain_timed(*a, **k):
        started = time.perf_counter()
        try:
            return drain(*a, **k)
        finally:
            timed_drain["seconds"] += time.perf_counter() - started

    engine.drain = drain_timed

    started = time.perf_counter()
    report = imports.import_records(data=data, name="bench.jsonl", by=user, dry_run=True)
    dry = time.perf_counter() - started
    assert report.ok, report.lines()[:20]
    print(f"dry run: {dry:.1f} s ({args.rows / dry:.0f} rows/s)")

    started = time.perf_counter()
    report = imports.import_records(data=data, name="bench.jsonl", by=user)
    real = time.perf_counter() - started
    counts = report.counts()
    states = Record.objects.filter(import_key__startswith="import:").values_list("state", flat=True)
    print(
        f"import: {real:.1f} s ({args.rows / real:.0f} rows/s), of which applying the index "
        f"queue {timed_drain['seconds']:.1f} s; created {counts['created']} "
        f"({sum(s == 'published' for s in states)} published, "
        f"{sum(s == 'draft' for s in states)} drafts), "
        f"{Passage.objects.filter(record__import_key__startswith='import:').count()} passages"
    )

    started = time.perf_counter()
    again = imports.import_records(data=data, name="bench.jsonl", by=user)
    rerun = time.perf_counter() - started
    print(f"re-run: {rerun:.1f} s, {again.counts()['duplicates']} duplicates skipped")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB")


if __name__ == "__main__":
    main()
