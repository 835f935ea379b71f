#!/usr/bin/env python
"""Bounds benchmark: what the most expensive query forms cost, now that each is bounded
(archive/search/limits.py, docs/search.md "Bounds").

    .venv/bin/python bench/bounds.py --passages 10000

Builds the synthetic corpus of bench/search.py (same generator, same seed) in a fresh
temporary data directory, indexes it, then times each query form as an anonymous search
(archive.search.query.search, no kept answers: each repetition is evaluated afresh), and,
for comparison, the "did you mean" walk as it was before the bounds (Whoosh's corrector
with no fixed prefix) on the same words. Reports median and maximum per form; never fails.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import search as search_bench  # noqa: E402


def forms() -> list[tuple[str, str]]:
    common = "camp police detained family surveillance school village night"
    words50 = " ".join(f"zq{i}x" for i in range(50))
    return [
        ("a common word (baseline)", "camp"),
        ("one unmatched word, 20 characters", "qwertzuiopasdfghjklx"),
        ("one unmatched word, 21 characters (no suggestion)", "qwertzuiopasdfghjklxy"),
        ("one unmatched word, 300 characters", "q" * 300),
        ("one unmatched word, 500 characters", "qz" * 250),
        ("three unmatched 20-character words", "qwertzuiopasdfghjklx " * 3),
        ("50 unmatched words (the word limit)", words50),
        ("50 common words", " ".join((common.split() * 7)[:50])),
        ("a 50-word phrase", '"' + " ".join((common.split() * 7)[:50]) + '"'),
        ("three two-letter wildcards", "co* de* su*"),
        ("OR of 50 common words", " OR ".join((common.split() * 7)[:50])),
        ("nesting 100 deep", "(" * 100 + "camp" + ")" * 100),
        ("200-year range", "year:1900..2099 camp"),
        ("a 3,500-character word (refused)", "q" * 3500),
        ("51 words (refused)", words50 + " camp"),
    ]


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--passages", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=search_bench.DEFAULT_SEED)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--data-dir", type=Path)
    p.add_argument("--database-url")
    args = p.parse_args(argv)
    # What bench/search.py's environment and corpus generator expect.
    args.debug, args.keep = False, False
    data_dir = search_bench.configure_environment(args)
    search_bench.setup_django()

    from django.contrib.auth.models import AnonymousUser
    from django.core.management import call_command

    from archive.models import Passage, Record
    from archive.search import engine
    from archive.search import query as archive_query
    from archive.search.evaluate import WORDS_FIELD

    log = search_bench.log
    log(f"data directory {data_dir}")
    call_command("migrate", verbosity=0)
    if not Record.objects.exists():
        call_command("load_seeds", stdout=open("/dev/null", "w"))  # noqa: SIM115
        search_bench.generate_corpus(args, log)
        started = time.perf_counter()
        engine.rebuild()
        log(
            f"indexed {Passage.objects.count():,} passages in {time.perf_counter() - started:.0f} s"
        )
    anonymous = AnonymousUser()

    def timed(q: str) -> tuple[float, archive_query.SearchResult]:
        archive_query.forget_kept()
        started = time.perf_counter()
        result = archive_query.search(anonymous, archive_query.SearchParams(q=q))
        return time.perf_counter() - started, result

    log(f"\n{'query form':52} {'median ms':>10} {'max ms':>8}  outcome")
    for name, q in forms():
        timed(q)  # warm the posting caches, as a live server's are
        runs = [timed(q) for _ in range(args.reps)]
        ms = [1000 * seconds for seconds, _ in runs]
        result = runs[-1][1]
        outcome = result.notice[:40] if result.notice else f"{result.count} records"
        log(f"{name:52} {statistics.median(ms):10.1f} {max(ms):8.1f}  {outcome}")

    # Records whose index update is queued are checked against the database (query.py,
    # _stale_matches): what a common search costs while n of its matches wait for the worker.
    from archive.models import IndexQueue
    from archive.models.search import enqueue_records

    matching = [
        hit.record.pk
        for hit in archive_query.search(
            anonymous, archive_query.SearchParams(q="camp", page_size=200)
        ).hits
    ]
    log(f"\n{'a common word while n of its matches are queued':52} {'median ms':>10} {'max ms':>8}")
    for n in (0, 1, 10, 100, 200):
        IndexQueue.objects.all().delete()
        enqueue_records(matching[:n])
        runs = [1000 * timed("camp")[0] for _ in range(args.reps)]
        log(f"{f'n = {n}':52} {statistics.median(runs):10.1f} {max(runs):8.1f}")
    IndexQueue.objects.all().delete()

    corrector = engine.searcher().corrector(WORDS_FIELD)
    log("\nthe did-you-mean walk of one word, before (no fixed prefix) and now")
    for word in ("qwertzuiopasdfghjklx", "survail", "q" * 300):
        before = min(_walk(corrector, word, 0) for _ in range(3))
        now = min(_walk(corrector, word, 2) for _ in range(3))
        skipped = " (now skipped: too long)" if len(word) > 20 else ""
        log(f"  {len(word):4} characters: before {before:8.1f} ms, now {now:8.1f} ms{skipped}")


def _walk(corrector, word: str, prefix: int) -> float:
    started = time.perf_counter()
    corrector.suggest(word, limit=3, prefix=prefix)
    return 1000 * (time.perf_counter() - started)


if __name__ == "__main__":
    main()
