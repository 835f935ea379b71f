#!/usr/bin/env python
"""Search benchmark: index build rate, single-record update latency, query latency, memory.

    .venv/bin/python bench/search.py --passages 10000
    .venv/bin/python bench/search.py --passages 100000 --json var/bench-search-100k.json

Everything runs against a fresh temporary data directory (SQLite database and Whoosh index),
never the development data: ARCHIVE_DATA_DIR is a new temp dir and DATABASE_URL an SQLite file
in it, unless --database-url points at an EMPTY database made for the benchmark.

Steps
1. migrate, load_seeds (the vocabulary), then a synthetic corpus made with
   random.Random(--seed): records of 5-15 passages, ~70 % article excerpts and 30 % testimony,
   ~85 % published (access levels and embargoes: see access_fields); passages of 40-120
   words drawn with Zipf-like frequencies from the seed
   documents' own words (plus rarer made-up words built from them, so the vocabulary has a
   long tail), copied runs of seed sentences (so phrases occur), and labels/aliases of
   vocabulary terms; event dates 2014-2023 with a precision; 0-6 record tags and some
   passage tags. Rows are inserted with bulk_create and every derived field the services
   would set (identifiers, hashes, passage numbers) is set here.
2. Full index build: engine.rebuild(procs=1) and procs=2, each in a fresh child process, so
   its peak RSS is the rebuild's own. A third child only prepares the documents (Django +
   haystack) without writing, to split the build time between our code and Whoosh.
3. Single-record update latency: record_set_passages on one record, then apply_queue().
4. Query latency of a fixed mix of 20 queries, without facet selections and with three
   (org, technology, year: values taken from the query's own facets so results stay
   non-empty), (a) through GET /api/v1/search/ as an anonymous user (django.test.Client,
   in-process) and (b) raw Whoosh on the same index with the same compiled query (as
   Whoosh reads it: whoosh_reference.for_whoosh), the same access + doc_type + selection filter
   and the same eight facet groupings, limit 20.
   One warm-up pass, then --reps timed passes; a/b is our overhead. One more untimed pass
   with timers around the search pipeline shows where the endpoint's time goes.
5. Peak memory (ru_maxrss) of this process and of each rebuild child.

The benchmark reports; it never fails on a missed target.
"""

import argparse
import contextlib
import cProfile
import datetime as dt
import io
import json
import math
import os
import platform
import pstats
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEED = 20261122

# -- targets (defined at 100,000 passages on the 2-core machine) ------------------------------
TARGET_BUILD_RATE = 1000.0  # passages per second
TARGET_P95_FACETS_MS = 150.0
TARGET_OVERHEAD = 1.5

# -- the fixed query mix -----------------------------------------------------------------------
# (group, query). Words were picked from the seed documents: "said" and "surveillance" are
# common, "detainees" middling, "passport" rare (one occurrence in the seeds, so far down the
# Zipf ranking); "Uighur", "facial recognition", "re-education camps" and "surveillance
# cameras" are vocabulary spellings, so they expand to every alias of their term.
QUERY_MIX = [
    ("term", "surveillance"),
    ("term", "said"),
    ("term", "detainees"),
    ("term", "passport"),
    ("term", "Uighur"),
    ("phrase", '"facial recognition"'),
    ("phrase", '"human rights"'),
    ("phrase", '"re-education camps"'),
    ("phrase", '"the Chinese government"'),
    ("phrase", '"surveillance cameras"~5'),
    ("boolean", "surveillance AND (Uighur OR Kazakh)"),
    ("boolean", "camps -police"),
    ("boolean", "(Hikvision OR Dahua) AND cameras"),
    ("boolean", 'Xinjiang NOT "forced labour"'),
    ("boolean", "(detainees OR prisoners) family -released"),
    ("fielded", "org:hikvision"),
    ("fielded", "technology:facial-recognition surveillance"),
    ("fielded", "practice:arbitrary-detention camps"),
    ("fielded", "year:2017..2019 detainees"),
    ("fielded", "kind:testimony police"),
]
# The three facets selected in the "with facets" variant.
SELECTED_FACETS = ("org", "technology", "year")
# Used instead when a query's results leave no value of one of those to select.
FALLBACK_FACETS = ("place", "practice", "kind")


# =============================================================================================
# environment


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--passages", type=int, default=10_000, help="synthetic passages (default 10000)"
    )
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"default {DEFAULT_SEED}")
    p.add_argument("--reps", type=int, default=5, help="timed passes over the query mix")
    p.add_argument("--updates", type=int, default=20, help="single-record updates to time")
    p.add_argument(
        "--query-budget",
        type=float,
        default=900,
        help="seconds for the timed query passes: after at least one pass, stop when the next "
        "would overrun (default 900; 0 = no limit)",
    )
    p.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    p.add_argument(
        "--database-url",
        help="use this (empty, benchmark-only) database instead of a temporary SQLite file",
    )
    p.add_argument("--data-dir", type=Path, help="data directory to use (default: a new temp dir)")
    p.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    p.add_argument(
        "--profile", type=Path, help="write cProfile stats (rebuild, queries) to this directory"
    )
    p.add_argument("--skip-procs2", action="store_true", help="only build with procs=1")
    p.add_argument(
        "--query-index",
        choices=("procs1", "procs2"),
        default="procs1",
        help="which build the update and query phases use (default procs1: one segment, "
        "as `rebuild_index` builds by default)",
    )
    p.add_argument("--debug", action="store_true", help="keep DEBUG on (records every SQL query)")
    # internal: run one build phase in a child process
    p.add_argument("--child", choices=("rebuild", "prepare"), help=argparse.SUPPRESS)
    p.add_argument("--procs", type=int, default=1, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def configure_environment(args) -> Path:
    """Point settings at the benchmark's own data directory; must run before django.setup()."""
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="archive-bench-search-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["ARCHIVE_DATA_DIR"] = str(data_dir)
    os.environ.pop("ARCHIVE_INDEX_DIR", None)  # the index goes inside the data dir
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{data_dir / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    # DEBUG makes Django keep every SQL query in memory; not what production measures.
    os.environ["DEBUG"] = "1" if args.debug else "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return data_dir


def setup_django() -> None:
    import django

    django.setup()


def code_fingerprint() -> str:
    """Hash of the search code, to notice when it changes while the benchmark runs."""
    import hashlib

    digest = hashlib.sha256()
    paths = sorted((ROOT / "archive" / "search").glob("*.py"))
    paths += [ROOT / "archive" / "search_indexes.py", ROOT / "archive" / "views" / "search.py"]
    for path in paths:
        if path.exists():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def machine_busy_seconds() -> float | None:
    """CPU seconds all cores have spent busy since boot (/proc/stat, minus idle and iowait)."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return None
    busy = sum(fields) - fields[3] - (fields[4] if len(fields) > 4 else 0)
    return busy / os.sysconf("SC_CLK_TCK")


class Contention:
    """CPU used by OTHER processes during a phase, in cores (from /proc/stat minus our own
    and our children's CPU time). Above ~0.3 on this 2-core machine the phase was shared."""

    def __init__(self):
        self.phases: dict[str, float] = {}
        self._start = None

    @staticmethod
    def _sample():
        busy = machine_busy_seconds()
        if busy is None:
            return None
        own = sum(
            getattr(resource.getrusage(who), attr)
            for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
            for attr in ("ru_utime", "ru_stime")
        )
        return time.perf_counter(), busy, own

    def start(self):
        self._start = self._sample()

    def stop(self, name: str) -> float | None:
        end = self._sample()
        if not (self._start and end):
            return None
        wall = end[0] - self._start[0]
        others = (end[1] - self._start[1]) - (end[2] - self._start[2])
        self.phases[name] = round(max(0.0, others / wall), 2) if wall > 0 else 0.0
        return self.phases[name]


def maxrss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def percentile(values, pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    data = sorted(values)
    if not data:
        return float("nan")
    k = (len(data) - 1) * pct / 100
    lo, hi = math.floor(k), math.ceil(k)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


# =============================================================================================
# corpus


class Lexicon:
    """Words with Zipf-like frequencies, seed sentences to copy runs from, vocabulary terms."""

    ZIPF_S = 1.0
    PSEUDO_WORDS = 30_000

    def __init__(self, rng: random.Random, terms: list[dict]):
        texts = seed_texts()
        counts: Counter[str] = Counter()
        forms: dict[str, Counter[str]] = defaultdict(Counter)
        self.sentences: list[list[str]] = []
        for text in texts:
            for line in text.split("\n"):
                tokens = line.split()
                if len(tokens) >= 6:
                    self.sentences.append(tokens)
                for word in WORD_RE.findall(line):
                    if all(ord(c) < 0x250 for c in word):
                        counts[word.lower()] += 1
                        forms[word.lower()][word] += 1
        ranked = sorted(counts, key=lambda w: (-counts[w], w))
        words = [forms[w].most_common(1)[0][0] for w in ranked]
        # A long tail of made-up words spliced from seed words, as a real corpus keeps
        # meeting new names and spellings; they rank after every seed word.
        stems = [w for w in ranked if len(w) >= 6]
        known = set(ranked)
        pseudo: list[str] = []
        while len(pseudo) < self.PSEUDO_WORDS:
            a, b = rng.choice(stems), rng.choice(stems)
            w = a[: rng.randint(3, len(a) - 2)] + b[rng.randint(2, len(b) - 3) :]
            if w not in known:
                known.add(w)
                pseudo.append(w)
        self.seed_word_count = len(words)
        self.words = words + pseudo
        weights = [1 / (rank**self.ZIPF_S) for rank in range(1, len(self.words) + 1)]
        self.cum = list(accumulate(weights))
        # Terms, Zipf-weighted too (some organisations and practices come up far more often).
        self.terms = list(terms)
        rng.shuffle(self.terms)
        self.term_cum = list(accumulate(1 / r for r in range(1, len(self.terms) + 1)))

    def run(self, rng: random.Random, n: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cum, k=n)

    def term(self, rng: random.Random) -> dict:
        return rng.choices(self.terms, cum_weights=self.term_cum, k=1)[0]

    def distinct_terms(self, rng: random.Random, k: int) -> list[dict]:
        chosen: dict[str, dict] = {}
        for _ in range(k * 4):
            if len(chosen) >= k:
                break
            t = self.term(rng)
            chosen.setdefault(t["slug"], t)
        return list(chosen.values())

    def snippet(self, rng: random.Random, n: int) -> list[str]:
        sentence = rng.choice(self.sentences)
        n = min(n, len(sentence))
        start = rng.randint(0, len(sentence) - n)
        return sentence[start : start + n]


WORD_RE = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")


def seed_texts() -> list[str]:
    """The seed documents' text, repaired where the manifest says so."""
    import yaml

    from archive.services.seeds import REPAIRS

    manifest = yaml.safe_load((ROOT / "seeds" / "manifest.yaml").read_text(encoding="utf-8"))
    texts = []
    for entry in manifest["files"]:
        text = (ROOT / "seeds" / entry["file"]).read_bytes().decode("utf-8")
        if entry.get("repair"):
            text = REPAIRS[entry["repair"]](text).text
        texts.append(text)
    return texts


def vocabulary_terms() -> list[dict]:
    """Terms loaded by load_seeds, with every spelling (label first, then aliases)."""
    from archive.models import Alias, Term

    aliases: dict[int, list[str]] = defaultdict(list)
    for term_id, label in Alias.objects.order_by("label").values_list("term_id", "label"):
        aliases[term_id].append(label)
    return [
        {"pk": pk, "slug": slug, "kind": kind, "spellings": [label, *aliases[pk]]}
        for pk, slug, kind, label in Term.objects.order_by("slug").values_list(
            "pk", "slug", "kind", "preferred_label"
        )
    ]


PRECISIONS = (("day", 0.4), ("month", 0.3), ("year", 0.2), ("approximate", 0.1))
LANGUAGES = (("en", 0.9), ("de", 0.04), ("fr", 0.03), ("ug", 0.03))


def weighted(rng: random.Random, pairs):
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs], k=1)[0]


def partial_date(rng: random.Random, lo: dt.date, hi: dt.date) -> tuple[dt.date, str]:
    day = lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))
    precision = weighted(rng, PRECISIONS)
    if precision in ("month", "approximate"):
        day = day.replace(day=1)
    elif precision == "year":
        day = day.replace(month=1, day=1)
    return day, precision


def passage_text(rng: random.Random, lex: Lexicon, record_terms: list[dict]) -> str:
    target = rng.randint(40, 120)
    words: list[str] = []
    while len(words) < target:
        r = rng.random()
        if r < 0.25:
            part = lex.snippet(rng, rng.randint(4, 12))
        elif r < 0.40:
            term = (
                rng.choice(record_terms) if record_terms and rng.random() < 0.7 else lex.term(rng)
            )
            part = rng.choice(term["spellings"]).split()
        else:
            part = lex.run(rng, rng.randint(4, 12))
            part[-1] += "." if rng.random() < 0.5 else ","
        words.extend(part)
    words = words[:target]
    text = " ".join(words)
    return text[:1].upper() + text[1:].rstrip(",.;:") + "."


def generate_corpus(args, log) -> dict:
    """Insert the synthetic records; returns a description of what was made."""
    from django.db import transaction

    from archive import hashing
    from archive.models import IdentifierCounter, IndexQueue, Passage, Record

    rng = random.Random(args.seed)
    lex = Lexicon(rng, vocabulary_terms())
    counters = {}
    for prefix in ("A", "T"):
        counter, _ = IdentifierCounter.objects.get_or_create(prefix=prefix)
        counters[prefix] = counter.last_value
    RecordTag = Record.tags.through
    PassageTag = Passage.tags.through

    stats = Counter()
    remaining = args.passages
    chunk_records = 500
    started = time.perf_counter()
    while remaining > 0:
        plans = []
        while remaining > 0 and len(plans) < chunk_records:
            n = rng.randint(5, 15)
            n = remaining if remaining - n < 5 else n  # the last record takes the rest
            remaining -= n
            plans.append(plan_record(rng, lex, n, counters))
        with transaction.atomic():
            records = Record.objects.bulk_create([p["record"] for p in plans], batch_size=500)
            passages, record_tags, passage_tags = [], [], []
            for plan, record in zip(plans, records, strict=True):
                record_tags += [RecordTag(record_id=record.pk, term_id=t) for t in plan["tags"]]
                for i, (text, tags) in enumerate(plan["passages"], start=1):
                    passages.append(
                        Passage(
                            record_id=record.pk,
                            number=i,
                            position=i,
                            role="standfirst" if i == 1 and plan["standfirst"] else "body",
                            text=text,
                            content_hash=hashing.sha256_text(text),
                        )
                    )
                    passage_tags.append(tags)
            created = Passage.objects.bulk_create(passages, batch_size=1000)
            passage_tag_rows = [
                PassageTag(passage_id=passage.pk, term_id=t)
                for passage, tags in zip(created, passage_tags, strict=True)
                for t in tags
            ]
            RecordTag.objects.bulk_create(record_tags, batch_size=1000)
            PassageTag.objects.bulk_create(passage_tag_rows, batch_size=1000)
        for plan in plans:
            stats["records"] += 1
            stats[plan["record"].kind] += 1
            stats[plan["record"].state] += 1
            stats["passages"] += len(plan["passages"])
            stats["words"] += sum(len(text.split()) for text, _ in plan["passages"])
            stats["record_tags"] += len(plan["tags"])
            stats["passage_tags"] += sum(len(tags) for _, tags in plan["passages"])
        log(f"  corpus: {stats['passages']:,}/{args.passages:,} passages", end="\r")
    log("")
    for prefix, last in counters.items():
        IdentifierCounter.objects.filter(prefix=prefix).update(last_value=last)
    IndexQueue.objects.all().delete()  # bulk_create fires no signals; start from an empty queue
    return {
        "seconds": time.perf_counter() - started,
        "seed_words": lex.seed_word_count,
        "lexicon_words": len(lex.words),
        **stats,
    }


def access_fields(kind: str, key: str) -> dict:
    """Excerpts public; testimony 60 % public, 25 % restricted, 15 % confidential; 2 % of all
    records under an embargo that has not ended. Drawn from a generator of their own, so the
    rest of the corpus is the same as before access levels existed."""
    rng = random.Random(key)
    level = "public"
    if kind == "testimony":
        level = weighted(rng, [("public", 60), ("restricted", 25), ("confidential", 15)])
    embargo = dt.date(2099, 1, 1) if rng.random() < 0.02 else None
    return {"access_level": level, "embargo_until": embargo}


def plan_record(rng: random.Random, lex: Lexicon, n: int, counters: dict) -> dict:
    from archive import hashing
    from archive.models import Record

    testimony = rng.random() < 0.3
    kind, prefix = ("testimony", "T") if testimony else ("article_excerpt", "A")
    counters[prefix] += 1
    tags = lex.distinct_terms(rng, rng.randint(0, 6))
    start, start_precision = partial_date(rng, dt.date(2014, 1, 1), dt.date(2023, 12, 31))
    end, end_precision = None, "day"
    if rng.random() < 0.5:
        end, end_precision = partial_date(
            rng, start, min(start + dt.timedelta(days=1500), dt.date(2023, 12, 31))
        )
    texts = [passage_text(rng, lex, tags) for _ in range(n)]
    passages = []
    for text in texts:
        ptags = []
        if rng.random() < 0.15:
            pool = tags if tags and rng.random() < 0.5 else None
            ptags = (
                [rng.choice(pool)["pk"]]
                if pool
                else [t["pk"] for t in lex.distinct_terms(rng, rng.randint(1, 2))]
            )
        passages.append((hashing.normalize_text(text), ptags))
    title_words = lex.run(rng, rng.randint(4, 9))
    if tags and rng.random() < 0.6:
        title_words += ["–", rng.choice(tags)["spellings"][0]]
    title = " ".join(title_words)
    title = title[:1].upper() + title[1:].rstrip(",.")
    record = Record(
        public_id=f"{prefix}-{counters[prefix]:06d}",
        kind=kind,
        title=title[:500],
        language=weighted(rng, LANGUAGES),
        event_start=start,
        event_start_precision=start_precision,
        event_end=end,
        event_end_precision=end_precision,
        state="published" if rng.random() < 0.85 else "draft",
        **access_fields(kind, f"{prefix}-{counters[prefix]}"),
        content_hash=hashing.record_hash(text for text, _ in passages),
        next_passage_number=n + 1,
    )
    return {
        "record": record,
        "passages": passages,
        "tags": sorted({t["pk"] for t in tags}),
        "standfirst": kind == "article_excerpt" and rng.random() < 0.3,
    }


# =============================================================================================
# build (child processes)


def child_main(args) -> None:
    """Run one build phase and print its figures as one JSON line (last line of stdout)."""
    setup_django()
    from archive.search import engine

    profiler = cProfile.Profile() if args.profile else None
    out: dict = {"procs": args.procs}
    if profiler:
        profiler.enable()
    started = time.perf_counter()
    if args.child == "rebuild":
        report = engine.rebuild(procs=args.procs)
        out.update(documents=report.documents, records=report.records)
    else:  # prepare: the documents rebuild would write, without writing them
        n = 0
        for _ in engine._documents(engine._records().order_by("pk").iterator(chunk_size=1000)):
            n += 1
        out.update(documents=n)
    out["seconds"] = time.perf_counter() - started
    if profiler:
        profiler.disable()
        name = f"{args.child}-procs{args.procs}"
        args.profile.mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(args.profile / f"{name}.prof")
        out["profile"] = str(args.profile / f"{name}.prof")
    out["maxrss_mb"] = maxrss_mb()
    out["children_maxrss_mb"] = maxrss_mb(resource.RUSAGE_CHILDREN)
    if args.child == "rebuild":
        ix = engine.open_index()
        out["segments"] = len(ix._segments())
        out["index_mb"] = (
            sum(f.stat().st_size for f in engine.current_generation().iterdir()) / 2**20
        )
    print(json.dumps(out))


def run_child(args, data_dir: Path, phase: str, procs: int, profile: bool) -> dict:
    from django.db import connections

    connections.close_all()
    command = [sys.executable, str(Path(__file__).resolve()), "--child", phase]
    command += ["--procs", str(procs), "--data-dir", str(data_dir)]
    if args.database_url:
        command += ["--database-url", args.database_url]
    if args.debug:
        command += ["--debug"]
    if profile and args.profile:
        command += ["--profile", str(args.profile)]
    wall = time.perf_counter()
    # Re-runs this same script as a child, so a rebuild is measured in a fresh process.
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy())  # noqa: S603
    wall = time.perf_counter() - wall
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout)[-2000:], "wall_seconds": wall}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_seconds"] = wall
    return result


# =============================================================================================
# updates


def time_updates(args, log) -> dict:
    from archive.models import Record, RecordState
    from archive.search import engine
    from archive.services.records import PassageInput, record_set_passages

    rng = random.Random(args.seed + 1)
    ids = list(
        Record.objects.filter(state=RecordState.PUBLISHED, import_key__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chosen = rng.sample(ids, min(args.updates, len(ids)))
    words = "newly reported detail from a follow-up interview".split()
    service_ms, apply_ms, total_ms = [], [], []
    engine.searcher()  # open the index first, as a running worker has
    for pk in chosen:
        record = Record.objects.get(pk=pk)
        old = list(record.passages.order_by("position", "number"))
        new = [PassageInput(p.text, p.role, None) for p in old]
        i = rng.randrange(len(new))
        edited = new[i].text.split()
        edited[rng.randrange(len(edited))] = rng.choice(words)
        new[i] = PassageInput(" ".join(edited) + " " + " ".join(rng.sample(words, 4)) + ".")
        if rng.random() < 0.3:
            new.append(PassageInput(" ".join(rng.choices(words, k=rng.randint(12, 30))) + "."))
        t0 = time.perf_counter()
        record_set_passages(record=record, passages=new, note="benchmark edit")
        t1 = time.perf_counter()
        applied = engine.apply_queue()
        t2 = time.perf_counter()
        if not applied:
            log(f"  ! update of record {pk} queued nothing")
        service_ms.append((t1 - t0) * 1000)
        apply_ms.append((t2 - t1) * 1000)
        total_ms.append((t2 - t0) * 1000)
    log(f"  updates: {len(total_ms)} done")
    return {
        "n": len(total_ms),
        "total_median_ms": statistics.median(total_ms),
        "total_p95_ms": percentile(total_ms, 95),
        "service_median_ms": statistics.median(service_ms),
        "service_p95_ms": percentile(service_ms, 95),
        "apply_median_ms": statistics.median(apply_ms),
        "apply_p95_ms": percentile(apply_ms, 95),
        "total_ms": [round(v, 1) for v in total_ms],
        "segments_after": len(engine.open_index()._segments()),
    }


# =============================================================================================
# queries


class Endpoint:
    """GET /api/v1/search/ in-process, as an anonymous user."""

    def __init__(self):
        from django.test import Client

        self.client = Client(HTTP_HOST="localhost")

    def __call__(self, q: str, filters: dict[str, str]) -> dict:
        response = self.client.get("/api/v1/search/", {"q": q, **filters})
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code}: {response.content[:300]!r}")
        return json.loads(response.content)


class RawWhoosh:
    """The same compiled query, filter and facet groupings, straight on the Whoosh searcher."""

    def __init__(self):
        from django.contrib.auth.models import AnonymousUser
        from whoosh import query as wq
        from whoosh import sorting

        from archive.search import engine
        from archive.search import query as archive_query
        from archive.search.evaluate import IndexView
        from archive.search.query_language import parse
        from archive.search.vocabulary import search_vocabulary
        from archive.search.whoosh_reference import for_whoosh

        self.wq, self.sorting = wq, sorting
        self.fields = {name: archive_query.FACET_INDEX_FIELD[name] for name in archive_query.FACETS}
        # The same allowed record documents as the endpoint (archive.permissions' rule).
        view = IndexView(engine.searcher(), engine.generation_key())
        self.allowed = view.searcher_numbers(archive_query.allowed_records(view, AnonymousUser()))
        # What the endpoint's evaluator means by the query (record words; phrases in a title
        # or within a passage), as a Whoosh query.
        self.compile = lambda q: for_whoosh(
            archive_query.Compiler(search_vocabulary()).compile(parse(q).node)
        )

    def prepare(self, q: str, filters: dict[str, str]):
        wq = self.wq
        clauses = [wq.Term(self.fields[name], value.lower()) for name, value in filters.items()]
        return self.compile(q), (wq.And(clauses) if clauses else None)

    def facets(self) -> dict:
        """One FieldFacet per facet field, counting records; overlapping (several values per
        document) only for multi-valued KEYWORD fields, as Whoosh's docs advise."""
        from whoosh.fields import KEYWORD

        from archive.search import engine

        schema = engine.schema()
        return {
            name: self.sorting.FieldFacet(
                field,
                allow_overlap=isinstance(schema[field], KEYWORD),
                maptype=self.sorting.Count,
            )
            for name, field in self.fields.items()
        }

    def __call__(self, prepared) -> list:
        from archive.search import engine

        compiled, selections = prepared
        s = engine.searcher()
        allowed = self.allowed
        if selections is not None:
            allowed = allowed & set(s.docs_for_query(selections))
        facets = self.facets()
        results = s.search(compiled, filter=allowed, limit=20, groupedby=facets, terms=False)
        for name in facets:
            results.groups(name)
        return [hit["record_id"] for hit in results]


def choose_selections(endpoint: Endpoint, log) -> list[dict]:
    """Per query, one value each of org, technology and year, chosen greedily from the query's
    own facets: the most frequent org, then the most frequent technology among those results,
    then the most frequent year among those, so the three together still find records.

    These requests also serve as the endpoint's warm-up (untimed)."""
    chosen = []
    for group, q in QUERY_MIX:
        body = endpoint(q, {})
        selection, count, first = {}, body["count"], body["count"]
        candidates, tried = list(SELECTED_FACETS), set()
        while len(selection) < len(SELECTED_FACETS) and candidates:
            name = candidates.pop(0)
            tried.add(name)
            values = [v for v in body["facets"].get(name, []) if v["count"] > 0]
            if not values:
                spare = next(
                    (f for f in FALLBACK_FACETS if f not in tried and f not in candidates), None
                )
                log(f"  ! {q!r}: no {name} value left to select; trying {spare}")
                if spare:
                    candidates.append(spare)
                continue
            selection[name] = max(values, key=lambda v: v["count"])["slug"]  # first on ties
            body = endpoint(q, selection)
            count = body["count"]
        chosen.append(
            {
                "group": group,
                "q": q,
                "count": first,
                "filters": selection,
                "count_with_facets": count,
            }
        )
    return chosen


def time_queries(args, mix: list[dict], log) -> dict:
    """Timed passes over the mix, API then raw for each case; stage timers run inside the
    API requests (a few microseconds each). Stops early, after at least one pass, when the
    next pass would overrun --query-budget seconds."""
    from archive.search import query as archive_query

    endpoint, raw = Endpoint(), RawWhoosh()
    variants = ("no_facets", "facets")
    cases = []
    for item in mix:
        for variant in variants:
            filters = item["filters"] if variant == "facets" else {}
            cases.append(
                {
                    "variant": variant,
                    "q": item["q"],
                    "group": item["group"],
                    "filters": filters,
                    "prepared": raw.prepare(item["q"], filters),
                    "api": [],
                    "raw": [],
                    "kept": [],
                    "stages": defaultdict(float),
                    "calls": defaultdict(int),
                }
            )
    for case in cases:  # raw warm-up; the endpoint was warmed up by choose_selections
        raw(case["prepared"])
    started = time.perf_counter()
    reps = 0
    with stage_timers() as timers:
        for rep in range(args.reps):
            rep_started = time.perf_counter()
            for case in cases:
                # The engine's own work: a kept answer (answers.py) and the kept passage
                # choices would otherwise answer every pass after the first. The repeat,
                # timed apart, is what a second reader asking the same gets.
                archive_query.forget_kept()
                timers.begin()
                t0 = time.perf_counter()
                endpoint(case["q"], case["filters"])
                t1 = time.perf_counter()
                timers.end(case["stages"], case["calls"])
                raw(case["prepared"])
                t2 = time.perf_counter()
                endpoint(case["q"], case["filters"])
                t3 = time.perf_counter()
                case["api"].append((t1 - t0) * 1000)
                case["raw"].append((t2 - t1) * 1000)
                case["kept"].append((t3 - t2) * 1000)
            reps += 1
            now = time.perf_counter()
            log(f"  queries: pass {rep + 1}/{args.reps} ({now - rep_started:.0f} s)")
            if args.query_budget and now - started + (now - rep_started) > args.query_budget:
                if reps < args.reps:
                    log(f"  ! stopping after {reps} pass(es): --query-budget {args.query_budget} s")
                break
    summary = {}
    for variant in variants:
        api = [v for c in cases if c["variant"] == variant for v in c["api"]]
        rw = [v for c in cases if c["variant"] == variant for v in c["raw"]]
        kept = [v for c in cases if c["variant"] == variant for v in c["kept"]]
        summary[variant] = {
            "kept_p50_ms": percentile(kept, 50),
            "kept_p95_ms": percentile(kept, 95),
            "api_p50_ms": percentile(api, 50),
            "api_p95_ms": percentile(api, 95),
            "api_mean_ms": statistics.fmean(api),
            "raw_p50_ms": percentile(rw, 50),
            "raw_p95_ms": percentile(rw, 95),
            "raw_mean_ms": statistics.fmean(rw),
            "ratio_p50": percentile(api, 50) / percentile(rw, 50),
            "ratio_p95": percentile(api, 95) / percentile(rw, 95),
            "ratio_mean": statistics.fmean(api) / statistics.fmean(rw),
            "samples": len(api),
        }
    breakdown = {}
    for variant in variants:
        chosen = [c for c in cases if c["variant"] == variant]
        requests = sum(len(c["api"]) for c in chosen)
        stages: dict[str, float] = defaultdict(float)
        for c in chosen:
            for k, v in c["stages"].items():
                stages[k] += v * 1000 / requests
        stages["request (total)"] = sum(v for c in chosen for v in c["api"]) / requests
        stages["whoosh searches per request"] = (
            sum(v for c in chosen for k, v in c["calls"].items() if k.startswith("whoosh"))
            / requests
        )
        breakdown[variant] = dict(stages)
    per_query = [
        {
            "variant": c["variant"],
            "group": c["group"],
            "q": c["q"],
            "filters": c["filters"],
            "api_median_ms": statistics.median(c["api"]),
            "raw_median_ms": statistics.median(c["raw"]),
            "stages_ms": {k: v * 1000 / len(c["api"]) for k, v in c["stages"].items()},
        }
        for c in cases
    ]
    return {"reps": reps, "summary": summary, "breakdown": breakdown, "per_query": per_query}


class _StageTimers:
    def __init__(self):
        self.totals: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.active = False
        self.in_passages = False

    def begin(self):
        self.totals.clear()
        self.calls.clear()
        self.active = True

    def end(self, totals: dict, calls: dict):
        self.active = False
        for k, v in self.totals.items():
            totals[k] += v
        for k, v in self.calls.items():
            calls[k] += v

    def add(self, name: str, seconds: float):
        if self.active:
            self.totals[name] += seconds
            self.calls[name] += 1


@contextlib.contextmanager
def stage_timers():
    """Time the stages of the search pipeline by wrapping module functions (restored after).

    Only time spent inside an API request between begin() and end() is recorded, so the raw
    Whoosh calls of the comparison are not counted."""
    from whoosh import searching

    from archive.search import answers as archive_answers
    from archive.search import query as archive_query
    from archive.views import search as search_views

    timers = _StageTimers()

    def timed(name, fn, passages=False):
        def wrapper(*a, **kw):
            t0 = time.perf_counter()
            if passages:
                timers.in_passages = True
            try:
                return fn(*a, **kw)
            finally:
                if passages:
                    timers.in_passages = False
                timers.add(name, time.perf_counter() - t0)

        return wrapper

    original_search = searching.Searcher.search

    def whoosh_search(self, *a, **kw):
        t0 = time.perf_counter()
        try:
            return original_search(self, *a, **kw)
        finally:
            key = "whoosh: passage search" if timers.in_passages else "whoosh: main search(es)"
            timers.add(key, time.perf_counter() - t0)

    wanted = [
        (search_views, "search", "search()", False),
        (search_views, "JsonResponse", "JSON encoding", False),
        (archive_answers, "apply_facets", "facets: selection + counts from columns", False),
        (archive_query, "_facet_values", "facets: labels (DB) + ordering", False),
        (archive_query, "_best_passages", "passages: whole step", True),
        (archive_query, "highlight_html", "passages: highlight_html", False),
        (archive_query, "_suggest", "suggestion", False),
    ]
    # Only what exists: the search code may be reorganised without breaking the benchmark.
    patches = [
        (obj, attr, timed(label, getattr(obj, attr), passages))
        for obj, attr, label, passages in wanted
        if hasattr(obj, attr)
    ]
    patches.append((searching.Searcher, "search", whoosh_search))
    saved = [(obj, name, getattr(obj, name)) for obj, name, _ in patches]
    for obj, name, value in patches:
        setattr(obj, name, value)
    try:
        yield timers
    finally:
        for obj, name, value in saved:
            setattr(obj, name, value)


def profile_queries(args, mix: list[dict]) -> None:
    """--profile: one extra pass per variant under cProfile (not part of the timings)."""
    endpoint = Endpoint()
    args.profile.mkdir(parents=True, exist_ok=True)
    for variant in ("no_facets", "facets"):
        profiler = cProfile.Profile()
        profiler.enable()
        for item in mix:
            endpoint(item["q"], item["filters"] if variant == "facets" else {})
        profiler.disable()
        profiler.dump_stats(args.profile / f"queries-{variant}.prof")


# =============================================================================================
# report


def fmt(value, spec=",.0f"):
    return (
        "n/a"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else format(value, spec)
    )


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(results: dict, log) -> None:
    c, b = results["corpus"], results["build"]
    log("")
    log(
        f"== Search benchmark: {c['passages']:,} synthetic passages "
        f"(+{c['seed_passages']} seed), {c['records']:,} records, seed {results['seed']} =="
    )
    changed = results["code_at_start"] != results["code_at_end"]
    log(
        f"machine: {results['machine']}; search code {results['code_at_start']}"
        + (f" -> {results['code_at_end']} (CHANGED DURING THE RUN)" if changed else "")
    )
    log(
        f"corpus: {c['words']:,} words; {c['article_excerpt']:,} article excerpts, "
        f"{c['testimony']:,} testimonies; {c['published']:,} published, {c['draft']:,} draft; "
        f"{c['record_tags']:,} record tags, {c['passage_tags']:,} passage tags; "
        f"generated+inserted in {c['seconds']:.1f} s"
    )
    log("")
    log("build (engine.rebuild, fresh child process)   wall s   passages/s   docs/s   peak RSS MB")
    for key in ("procs1", "procs2"):
        r = b.get(key)
        if not r:
            continue
        if "error" in r:
            log(f"  {key}: ERROR {r['error'][-300:]}")
            continue
        children = (
            f" (+ sub-writers up to {r['children_maxrss_mb']:,.0f} each)"
            if (r["procs"] > 1)
            else ""
        )
        log(
            f"  procs={r['procs']}  {r['seconds']:>33.1f} {r['passages_per_s']:>12,.0f} "
            f"{r['documents'] / r['seconds']:>8,.0f} {r['maxrss_mb']:>12,.0f}{children}"
            f"   [{r['segments']} segment(s), {r['index_mb']:,.0f} MB]"
        )
    p = b.get("prepare")
    if p and "error" not in p:
        log(
            f"  documents prepared only (Django+haystack, no Whoosh): {p['seconds']:.1f} s "
            f"({results['index_passages'] / p['seconds']:,.0f} passages/s)"
        )
    u = results["updates"]
    log("")
    log(
        f"single-record update ({u['n']} updates): total median {u['total_median_ms']:.0f} ms, "
        f"p95 {u['total_p95_ms']:.0f} ms  [record_set_passages median "
        f"{u['service_median_ms']:.0f} / p95 {u['service_p95_ms']:.0f}; apply_queue median "
        f"{u['apply_median_ms']:.0f} / p95 {u['apply_p95_ms']:.0f}]"
    )
    q = results["queries"]["summary"]
    log("")
    log(
        f"queries (20-query mix x {results['queries']['reps']} passes)"
        "   API p50   API p95   raw p50   raw p95   ratio p50/p95   kept p50/p95"
    )
    for variant, label in (("no_facets", "without facets"), ("facets", "with 3 facets")):
        s = q[variant]
        log(
            f"  {label:<28} {s['api_p50_ms']:>8.0f} {s['api_p95_ms']:>9.0f} "
            f"{s['raw_p50_ms']:>9.0f} {s['raw_p95_ms']:>9.0f}   "
            f"{s['ratio_p50']:.2f} / {s['ratio_p95']:.2f}"
            f"     {s['kept_p50_ms']:.0f} / {s['kept_p95_ms']:.0f}"
        )
    log("  (API: the query evaluated; kept: the same request again, answered from answers.py)")
    log("")
    log("per query (median ms, API / raw):")
    rows = defaultdict(dict)
    for r in results["queries"]["per_query"]:
        rows[r["q"]][r["variant"]] = (r["api_median_ms"], r["raw_median_ms"])
    counts = {m["q"]: (m["count"], m["count_with_facets"], m["filters"]) for m in results["mix"]}
    for qtext, v in rows.items():
        n0, n1, flt = counts[qtext]
        log(
            f"  {qtext[:44]:<44} {v['no_facets'][0]:>6.0f} /{v['no_facets'][1]:>5.0f}"
            f"  | facets {v['facets'][0]:>6.0f} /{v['facets'][1]:>5.0f}"
            f"   hits {n0:>6,} -> {n1:,}"
        )
    log("")
    log("where the endpoint's time goes (mean ms per request over the timed passes):")
    bd = results["breakdown"]
    keys = sorted({k for v in bd.values() for k in v}, key=lambda k: -bd["facets"].get(k, 0))
    log(f"  {'stage':<42} {'no facets':>10} {'facets':>10}")
    for k in keys:
        log(f"  {k:<42} {bd['no_facets'].get(k, 0):>10.1f} {bd['facets'].get(k, 0):>10.1f}")
    log("")
    m = results["memory"]
    log(
        f"peak RSS: this process {m['main_maxrss_mb']:,.0f} MB (after corpus "
        f"{m['after_corpus_mb']:,.0f}, after updates {m['after_updates_mb']:,.0f}, after queries "
        f"{m['after_queries_mb']:,.0f}); rebuild procs=1 {fmt(m.get('rebuild_procs1_mb'))} MB, "
        f"procs=2 {fmt(m.get('rebuild_procs2_mb'))} MB + sub-writers"
    )
    shared = {k: v for k, v in results.get("contention_cores", {}).items() if v > 0.3}
    log(
        "other processes' CPU during the phases (cores): "
        + ", ".join(f"{k} {v}" for k, v in results.get("contention_cores", {}).items())
        + ("  ! SHARED MACHINE: " + ", ".join(shared) if shared else "")
    )
    log("")
    label = "" if c["passages"] >= 100_000 else " (targets are set for 100,000 passages)"
    log(f"targets{label}:")
    for t in results["targets"]:
        log(f"  {t['verdict']}  {t['name']}: {t['value']} (target {t['target']})")


def evaluate_targets(results: dict) -> list[dict]:
    out = []
    for key in ("procs1", "procs2"):
        r = results["build"].get(key)
        if r and "error" not in r:
            out.append(
                {
                    "name": f"build rate, procs={r['procs']}",
                    "value": f"{r['passages_per_s']:,.0f} passages/s",
                    "target": f">= {TARGET_BUILD_RATE:,.0f} passages/s",
                    "verdict": verdict(r["passages_per_s"] >= TARGET_BUILD_RATE),
                }
            )
    f = results["queries"]["summary"]["facets"]
    out.append(
        {
            "name": "p95 with facets (API)",
            "value": f"{f['api_p95_ms']:.0f} ms",
            "target": f"<= {TARGET_P95_FACETS_MS:.0f} ms",
            "verdict": verdict(f["api_p95_ms"] <= TARGET_P95_FACETS_MS),
        }
    )
    for variant, label in (("no_facets", "without facets"), ("facets", "with facets")):
        s = results["queries"]["summary"][variant]
        worst = max(s["ratio_p50"], s["ratio_p95"])
        out.append(
            {
                "name": f"overhead API/raw Whoosh {label} (worse of p50, p95)",
                "value": f"{s['ratio_p50']:.2f}x p50, {s['ratio_p95']:.2f}x p95",
                "target": f"<= {TARGET_OVERHEAD}x",
                "verdict": verdict(worst <= TARGET_OVERHEAD),
            }
        )
    return out


# =============================================================================================


def log(msg="", end="\n"):
    """Progress lines (end="\r") to stderr, so stdout holds only what is reported."""
    print(msg, end=end, file=sys.stderr if end == "\r" else sys.stdout, flush=True)


def run_in(run, args, data_dir: Path) -> dict:
    """run(args, data_dir, log) with the total time; a temporary data directory (no
    --data-dir given) is removed afterwards unless --keep."""
    temporary = args.data_dir is None
    started = time.perf_counter()
    try:
        results = run(args, data_dir, log)
    finally:
        if temporary and not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
        elif temporary:
            log(f"data kept in {data_dir}")
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    return results


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.profile:
        args.profile = args.profile.resolve()
    data_dir = configure_environment(args)
    if args.child:
        child_main(args)
        return

    results = run_in(run, args, data_dir)
    report(results, log)
    log(f"\ntotal benchmark time {results['total_seconds']:.0f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
        log(f"figures written to {args.json}")


def run(args, data_dir: Path, log) -> dict:
    code_at_start = code_fingerprint()
    setup_django()
    import django
    import whoosh
    from django.core.management import call_command
    from django.db import connection

    from archive.models import Passage, Record

    log(f"data directory {data_dir}; database {connection.vendor}")
    call_command("migrate", verbosity=0)
    if Record.objects.exists():
        raise SystemExit("The benchmark needs an empty database; this one holds records.")
    call_command("load_seeds", stdout=io.StringIO())
    seed_passages = Passage.objects.count()
    log("generating corpus …")
    corpus = generate_corpus(args, log)
    corpus["seed_passages"] = seed_passages
    corpus["seed_records"] = Record.objects.filter(import_key__isnull=False).count()
    results: dict = {
        "code_at_start": code_at_start,
        "seed": args.seed,
        "passages_requested": args.passages,
        "corpus": corpus,
        "machine": (
            f"{os.cpu_count()} cores, "
            f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
            f"Python {platform.python_version()}, Django {django.get_version()}, "
            f"Whoosh {whoosh.versionstring()}, {connection.vendor}"
        ),
        "memory": {"after_corpus_mb": maxrss_mb()},
    }
    index_passages = Passage.objects.count()
    results["index_passages"] = index_passages

    contention = Contention()
    build = {}
    order = ["procs2", "procs1"] if args.query_index == "procs1" else ["procs1", "procs2"]
    if args.skip_procs2:
        order = ["procs1"]
    for key in order:
        procs = int(key[-1])
        log(f"rebuild procs={procs} …")
        contention.start()
        r = run_child(args, data_dir, "rebuild", procs, profile=False)
        contention.stop(f"rebuild_{key}")
        if "error" not in r:
            r["passages_per_s"] = index_passages / r["seconds"]
            results["memory"][f"rebuild_{key}_mb"] = r["maxrss_mb"]
            log(f"  {r['seconds']:.1f} s, {r['passages_per_s']:,.0f} passages/s")
        else:
            log(f"  failed: {r['error'][-500:]}")
        build[key] = r
    log("preparing documents only …")
    build["prepare"] = run_child(args, data_dir, "prepare", 1, profile=False)
    if args.profile:
        log("profiling a rebuild (procs=1; not part of the figures) …")
        run_child(args, data_dir, "rebuild", 1 if args.query_index == "procs1" else 2, profile=True)
    results["build"] = build

    log("single-record updates …")
    contention.start()
    results["updates"] = time_updates(args, log)
    contention.stop("updates")
    results["memory"]["after_updates_mb"] = maxrss_mb()

    log("choosing facet selections (and warming up) …")
    mix = choose_selections(Endpoint(), log)
    results["mix"] = mix
    log("timing queries …")
    contention.start()
    results["queries"] = time_queries(args, mix, log)
    contention.stop("queries")
    results["contention_cores"] = contention.phases
    results["breakdown"] = results["queries"].pop("breakdown")
    results["memory"]["after_queries_mb"] = maxrss_mb()
    if args.profile:
        log("profiling one pass of the queries …")
        profile_queries(args, mix)
    results["memory"]["main_maxrss_mb"] = maxrss_mb()
    results["code_at_end"] = code_fingerprint()
    if results["code_at_end"] != results["code_at_start"]:
        log("  ! the search code changed while the benchmark ran; the figures mix versions")
    results["targets"] = evaluate_targets(results)
    if args.profile:
        results["profiles"] = sorted(str(p) for p in args.profile.glob("*.prof"))
    return results


def print_profile(path: Path, limit: int = 25, sort: str = "tottime") -> str:
    """Top functions of a saved profile (for docs/BENCHMARKS.md)."""
    buffer = io.StringIO()
    pstats.Stats(str(path), stream=buffer).sort_stats(sort).print_stats(limit)
    return buffer.getvalue()


if __name__ == "__main__":
    main()
