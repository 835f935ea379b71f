#!/usr/bin/env python
"""Load benchmark: many people searching at once while archivists edit.

    .venv/bin/python bench/load.py                       # 100,000 passages, 10/50/200 users
    .venv/bin/python bench/load.py --passages 10000 --users 10 --duration 20   # a quick look
    .venv/bin/python bench/load.py --data-dir /tmp/load100k --keep   # keep the corpus to rerun

What it runs, as `make serve` does (docs/deploy.md): gunicorn with config/gunicorn.py and the
production settings, WhiteNoise for static files, and `manage.py index_worker` as its own
process, on a database and index of their own (a temporary data directory with an SQLite
file, or --database-url naming an EMPTY PostgreSQL database made for the benchmark).

Steps
1. The corpus: bench/search.py's synthetic corpus (same generator, same --seed) of --passages
   passages, then `rebuild_index`'s build (one writer, one segment). A --data-dir that already
   holds it is reused as it is.
2. The request mix: bench/search.py's 20 queries, each without facet selections and with the
   three it chooses (org, technology, year), each by relevance on pages 1 and 2 and by date
   on page 1: 120 distinct searches, asked in turn. The same list for the search page
   (/search/) and the JSON endpoint (/api/v1/search/), as an anonymous reader.
3. Per endpoint, per number of users (--users) and per pace (--pace): wrk, with one
   connection per user, for --duration seconds after a --warmup run. At pace 0 a user asks
   again as soon as an answer arrives (the server's capacity: with no pause, users / rate is
   the mean wait, so 50 users at 50/s wait a second each by construction). At pace P each
   user asks about once every P seconds (the users together offer users / P searches a
   second, spread evenly), which is how the target's "50 searches a second from 50 users"
   reads. Every answer must be 200. Throughput is answers per second; p50/p95/p99 are wrk's
   latency percentiles, the time a user waits for an answer, queueing in the server
   included.
4. Meanwhile --editors processes each edit one published record every --edit-interval
   seconds through the same service the record editor uses (record_set_passages, with a
   change note, as an archivist), adding a word made for that edit. Each editor works on
   its own records, as archivists split work; a write that fails is reported, not retried.
5. Afterwards the worker drains the queue, and every edit is checked: its word is in the
   record's text in the database, and a search for the word, as the archivist, finds that
   record through the same search() the site uses.

The benchmark reports; it never fails on a missed target. Figures: docs/BENCHMARKS.md.
"""

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import search as search_bench  # noqa: E402  (the corpus and the query mix)

LUA = Path(__file__).resolve().parent / "load.lua"
ENDPOINTS = {"page": "/search/", "json": "/api/v1/search/"}
EDITOR_USERNAME = "load-archivist"
# Targets on the 2-core machine, with 50 users on the 100,000-passage corpus.
TARGET_USERS = 50
TARGET_RATE = 50.0  # searches per second
TARGET_P95_MS = 500.0


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--passages", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=search_bench.DEFAULT_SEED)
    p.add_argument("--users", default="10,50,200", help="comma-separated (default 10,50,200)")
    p.add_argument(
        "--pace",
        default="0,0.9",
        help="seconds between one user's searches, comma-separated; 0 = no pause (default "
        "0,0.9: 50 users then offer 55.6 searches a second)",
    )
    p.add_argument("--duration", type=int, default=60, help="seconds per measured run")
    p.add_argument("--warmup", type=int, default=60, help="seconds of unmeasured load first")
    p.add_argument("--editors", type=int, default=4, help="concurrent editing processes")
    p.add_argument("--edit-interval", type=float, default=2.0, help="seconds between edits")
    p.add_argument("--endpoints", default="page,json", help="comma-separated: page,json")
    p.add_argument("--workers", type=int, help="gunicorn workers (default: config/gunicorn.py)")
    p.add_argument("--threads", type=int, help="threads per worker (default: config/gunicorn.py)")
    p.add_argument("--port", type=int, default=0, help="default: a free port")
    p.add_argument("--database-url", help="an EMPTY PostgreSQL database made for the benchmark")
    p.add_argument("--data-dir", type=Path, help="data directory (reused if it holds a corpus)")
    p.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    p.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    p.add_argument("--child", choices=("editor",), help=argparse.SUPPRESS)
    p.add_argument("--editor-index", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def search_args(args) -> argparse.Namespace:
    """The arguments bench/search.py's corpus and build helpers read."""
    return argparse.Namespace(
        passages=args.passages,
        seed=args.seed,
        database_url=args.database_url,
        data_dir=args.data_dir,
        debug=False,
        profile=None,
    )


# =============================================================================================
# the corpus


def prepare_corpus(args, data_dir: Path, log) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from archive.models import Passage, Record
    from archive.search import engine

    call_command("migrate", verbosity=0)
    if Record.objects.exists():
        passages = Passage.objects.count()
        log(f"reusing the corpus in {data_dir}: {passages:,} passages ({connection.vendor})")
        if not engine.document_count():
            raise SystemExit("That data directory holds records but no index.")
        return {"reused": True, "passages": passages}
    call_command("load_seeds", stdout=open(os.devnull, "w"))  # noqa: SIM115
    log(f"generating {args.passages:,} passages …")
    corpus = search_bench.generate_corpus(search_args(args), log)
    log("building the index (rebuild_index's build: one writer) …")
    build = search_bench.run_child(search_args(args), data_dir, "rebuild", 1, profile=False)
    if "error" in build:
        raise SystemExit(f"rebuild failed: {build['error']}")
    log(f"  {build['seconds']:.0f} s")
    return {"reused": False, "passages": Passage.objects.count(), "corpus": corpus, "build": build}


def editor_account():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user, created = get_user_model().objects.get_or_create(
        username=EDITOR_USERNAME, defaults={"is_staff": True}
    )
    if created:
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name="archivist"))
    return user


# =============================================================================================
# the request mix


class HttpEndpoint:
    """GET /api/v1/search/ over HTTP, for bench/search.py's choice of facet selections."""

    def __init__(self, base: str):
        self.base = base

    def __call__(self, q: str, filters: dict) -> dict:
        return get_json(
            self.base + ENDPOINTS["json"] + "?" + urllib.parse.urlencode({"q": q, **filters})
        )


def get_json(url: str, timeout: float = 300) -> dict:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (our server)
        return json.loads(response.read())


def request_paths(mix: list[dict]) -> list[str]:
    """120 searches: each query without and with its facets; relevance p1, p2; date p1."""
    out = []
    for item in mix:
        for filters in ({}, item["filters"]):
            for extra in ({}, {"page": 2}, {"sort": "date"}):
                out.append(urllib.parse.urlencode({"q": item["q"], **filters, **extra}))
    return out


# =============================================================================================
# servers


def server_environment(args, data_dir: Path, port: int) -> dict:
    env = os.environ.copy()
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        ARCHIVE_DATA_DIR=str(data_dir),
        DATABASE_URL=os.environ["DATABASE_URL"],
        GUNICORN_BIND=f"127.0.0.1:{port}",
        LOG_LEVEL="INFO",  # the JSON request log stays on, as in production
        # Every simulated reader asks from 127.0.0.1: one client to the search throttle, which
        # still counts each search in its shared store, as in production.
        API_THROTTLE_SEARCH_ANON="1000000/second",
        API_THROTTLE_SEARCH_USER="1000000/second",
    )
    env.pop("ARCHIVE_INDEX_DIR", None)
    if args.workers:
        env["GUNICORN_WORKERS"] = str(args.workers)
    if args.threads:
        env["GUNICORN_THREADS"] = str(args.threads)
    return env


class Servers:
    """gunicorn and the index worker, as `make serve` starts them; logs in the data dir."""

    def __init__(self, args, data_dir: Path, port: int):
        self.env = server_environment(args, data_dir, port)
        self.data_dir = data_dir
        self.base = f"http://127.0.0.1:{port}"
        self.processes: list[subprocess.Popen] = []

    def manage(self, *command: str) -> None:
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=self.env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        log_file = open(self.data_dir / f"load-{name}.log", "ab")  # noqa: SIM115
        process = subprocess.Popen(  # noqa: S603
            command,
            cwd=ROOT,
            env=self.env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def __enter__(self):
        self.manage("collectstatic", "--noinput", "--verbosity", "0")
        self.start("worker", [sys.executable, "manage.py", "index_worker"])
        bin_dir = Path(sys.executable).parent
        self.start(
            "gunicorn", [str(bin_dir / "gunicorn"), "--config", "config/gunicorn.py", "config.wsgi"]
        )
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=5) as r:  # noqa: S310
                    if r.status == 200:
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                raise SystemExit(f"the server did not come up; see {self.data_dir}/load-*.log")
            time.sleep(0.5)

    def __exit__(self, *exc):
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def pids(self) -> list[int]:
        """Every process of ours: gunicorn's master and workers, the index worker."""
        return [pid for pids in self.roles().values() for pid in pids]

    def roles(self) -> dict[str, list[int]]:
        """{"worker": the index worker, "web": gunicorn's master and workers}."""
        out = {}
        for name, process in zip(("worker", "web"), self.processes, strict=True):
            out[name] = [process.pid]
            children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
            if children.exists():
                out[name] += [int(pid) for pid in children.read_text().split()]
        return out


def rss_mb(pids: list[int]) -> dict[int, float]:
    out = {}
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out[pid] = int(line.split()[1]) / 1024
        except OSError:
            continue
    return out


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU seconds the processes have used (those still running)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def busy_cores_since(start: tuple[float, float]) -> float:
    """Cores in use on the whole machine since `start` = (time.monotonic(), busy seconds)."""
    now, busy = time.monotonic(), search_bench.machine_busy_seconds()
    return round((busy - start[1]) / (now - start[0]), 2)


# =============================================================================================
# one wrk run


def run_wrk(
    base: str,
    endpoint: str,
    paths: list[str],
    users: int,
    seconds: int,
    data_dir,
    pace: float = 0,
    roles: dict[str, list[int]] | None = None,
) -> dict:
    """One wrk run; `roles` ({name: pids}) get their share of the CPU reported, as does wrk."""
    listing = data_dir / f"load-paths-{endpoint}.txt"
    listing.write_text("".join(f"{ENDPOINTS[endpoint]}?{p}\n" for p in paths))
    threads = min(2, users)
    env = os.environ | {
        "LOAD_PATHS": str(listing),
        "LOAD_ACCEPT": "application/json" if endpoint == "json" else "text/html",
    }
    if pace:
        env["LOAD_THREAD_RATE"] = str(users / pace / threads)
    command = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(users),
        "-d",
        f"{seconds}s",
        "--timeout",
        "120s",
        "-s",
        str(LUA),
        base,
    ]
    roles = roles or {}
    before = {name: cpu_seconds(pids) for name, pids in roles.items()}
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = (time.monotonic(), search_bench.machine_busy_seconds())
    done = subprocess.run(command, capture_output=True, text=True, env=env)  # noqa: S603
    cores = busy_cores_since(started)
    wall = time.monotonic() - started[0]
    # Only wrk ends (and is waited for) during the run, so the children's usage grew by its.
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    by_role = {
        name: round((cpu_seconds(pids) - before[name]) / wall, 2) for name, pids in roles.items()
    }
    by_role["wrk"] = round(
        (after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime) / wall, 2
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("LOADJSON ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    raw = json.loads(line.removeprefix("LOADJSON "))
    seconds_run = raw["duration_us"] / 1e6
    errors = raw["not_ok"] + sum(raw[k] for k in ("connect", "read", "write", "timeout"))
    return {
        "endpoint": endpoint,
        "users": users,
        "pace_s": pace,
        "offered_per_second": round(users / pace, 1) if pace else None,
        "seconds": round(seconds_run, 1),
        "requests": raw["requests"],
        "per_second": round(raw["requests"] / seconds_run, 1),
        "errors": errors,
        "not_200": raw["not_ok"],
        "socket_errors": {k: raw[k] for k in ("connect", "read", "write", "timeout")},
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "max_ms": round(raw["max_us"] / 1000, 1),
        "busy_cores": cores,
        "cores_by_role": by_role,
    }


# =============================================================================================
# the editors


def editor_main(args) -> None:
    """One archivist: edit one of this editor's published records every --edit-interval
    seconds until SIGTERM; write every edit (and any failure) to --out as JSON."""
    search_bench.setup_django()
    from django.db import transaction

    from archive.models import Record, RecordState
    from archive.services.records import PassageInput, record_set_passages

    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    user = editor_account()
    ids = list(
        Record.objects.filter(state=RecordState.PUBLISHED, import_key__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )[args.editor_index :: args.editors]
    rng = random.Random(args.seed + 100 + args.editor_index)
    edits, failures, n = [], [], 0
    while not stopping:
        started = time.monotonic()
        record = Record.objects.get(pk=rng.choice(ids))
        n += 1
        word = edit_word(args.editor_index, n)
        passages = [
            PassageInput(p.text, p.role, None)
            for p in record.passages.order_by("position", "number")
        ]
        i = rng.randrange(len(passages))
        passages[i] = PassageInput(f"{passages[i].text} Follow-up note {word}.", passages[i].role)
        try:
            with transaction.atomic():
                record_set_passages(
                    record=record, passages=passages, by=user, note="load benchmark edit"
                )
            ms = round((time.monotonic() - started) * 1000, 1)
            edits.append({"record": record.public_id, "word": word, "ms": ms})
        except Exception as exc:  # noqa: BLE001 (counted and reported, never hidden)
            failures.append({"record": record.public_id, "error": repr(exc)[:300]})
        pause = args.edit_interval - (time.monotonic() - started)
        if pause > 0 and not stopping:
            time.sleep(pause)
    args.out.write_text(json.dumps({"edits": edits, "failures": failures}))


def edit_word(editor: int, n: int) -> str:
    """A word no corpus text holds, made of letters (the analyzer splits digits off)."""
    letters = "bcdfghjklmnpqrstvwxz"
    digits = ""
    value = editor * 100_000 + n
    while value:
        value, d = divmod(value, len(letters))
        digits = letters[d] + digits
    return f"qloadv{digits}"


def start_editors(args, data_dir: Path) -> list[tuple[subprocess.Popen, Path]]:
    out = []
    for i in range(args.editors):
        path = data_dir / f"load-edits-{i}.json"
        path.unlink(missing_ok=True)
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            "editor",
            "--editor-index",
            str(i),
            "--editors",
            str(args.editors),
            "--edit-interval",
            str(args.edit_interval),
            "--seed",
            str(args.seed),
            "--out",
            str(path),
            "--data-dir",
            str(data_dir),
        ]
        if args.database_url:
            command += ["--database-url", args.database_url]
        out.append((subprocess.Popen(command, env=os.environ.copy()), path))  # noqa: S603
    return out


def stop_editors(editors) -> dict:
    for process, _ in editors:
        process.send_signal(signal.SIGTERM)
    edits, failures = [], []
    for process, path in editors:
        process.wait(timeout=120)
        body = json.loads(path.read_text())
        edits += body["edits"]
        failures += body["failures"]
    return {"edits": edits, "failures": failures}


def check_edits(edits: list[dict], log) -> dict:
    """Every edit's word is in its record's text (database) and found by search (index)."""
    from django.db import connections

    from archive.models import IndexQueue, Passage
    from archive.search import engine
    from archive.search.query import SearchParams, search

    connections.close_all()
    deadline = time.monotonic() + 600
    while IndexQueue.objects.exists():
        if time.monotonic() > deadline:
            raise SystemExit("the index worker did not drain the queue in 10 minutes")
        time.sleep(1)
    drained = time.monotonic()
    user = editor_account()
    missing_db, missing_index = [], []
    for edit in edits:
        if not Passage.objects.filter(
            record__public_id=edit["record"], text__contains=edit["word"]
        ).exists():
            missing_db.append(edit)
        hits = search(user, SearchParams(q=edit["word"])).hits
        if edit["record"] not in {hit.record.public_id for hit in hits}:
            missing_index.append(edit)
    log(f"  checked {len(edits)} edits in {time.monotonic() - drained:.0f} s")
    # And the whole index against the whole database, as `manage.py index_status` does.
    status = engine.status()
    return {
        "checked": len(edits),
        "missing_in_database": missing_db,
        "missing_in_index": missing_index,
        "index_status": {
            "missing": len(status.missing),
            "extra": len(status.extra),
            "stale": len(status.stale),
            "documents": status.index_documents,
        },
    }


# =============================================================================================
# main


def main(argv=None) -> None:
    args = parse_args(argv)
    if shutil.which("wrk") is None and not args.child:
        raise SystemExit("wrk is needed: apt-get install wrk")
    data_dir = search_bench.configure_environment(search_args(args))
    if args.child == "editor":
        editor_main(args)
        return

    log = search_bench.log
    results = search_bench.run_in(run, args, data_dir)
    report(results, log)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
        log(f"figures written to {args.json}")


def cpu_calibration() -> float:
    """Seconds one core takes for ten million Python additions. Machines of the same kind
    differ: bench/search.py's 100,000-passage build took 335 s on one and 1,049 s on another,
    so figures from two machines compare only through this."""
    started = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return round(time.perf_counter() - started, 2)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args, data_dir: Path, log) -> dict:
    search_bench.setup_django()
    import django
    from django.db import connection, connections

    results = {
        "machine": (
            f"{os.cpu_count()} cores, "
            f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
            f"Python {platform.python_version()}, Django {django.get_version()}, "
            f"{connection.vendor}"
        ),
        "date": dt.datetime.now(dt.UTC).date().isoformat(),
        "cpu_calibration_s": cpu_calibration(),
        "settings": {
            k: getattr(args, k)
            for k in ("duration", "warmup", "editors", "edit_interval", "workers", "threads")
        },
    }
    results["corpus"] = prepare_corpus(args, data_dir, log)
    editor_account()
    connections.close_all()
    port = args.port or free_port()
    with Servers(args, data_dir, port) as servers:
        log(f"gunicorn on {servers.base}; choosing facet selections …")
        mix = search_bench.choose_selections(HttpEndpoint(servers.base), log)
        paths = request_paths(mix)
        results["distinct_requests"] = len(paths)
        runs = []
        for endpoint in args.endpoints.split(","):
            if args.warmup:
                log(f"warm-up: {endpoint}, 10 users, {args.warmup} s …")
                run_wrk(servers.base, endpoint, paths, 10, args.warmup, data_dir)
            for users, pace in [
                (int(u), float(p)) for p in args.pace.split(",") for u in args.users.split(",")
            ]:
                log(
                    f"{endpoint}: {users} users, "
                    + (f"each every {pace:g} s" if pace else "no pause")
                    + f", {args.duration} s, {args.editors} editors …"
                )
                editors = start_editors(args, data_dir)
                roles = servers.roles() | {"editors": [p.pid for p, _ in editors]}
                run = run_wrk(
                    servers.base, endpoint, paths, users, args.duration, data_dir, pace, roles
                )
                edited = stop_editors(editors)
                run["edits"] = len(edited["edits"])
                run["edit_failures"] = edited["failures"]
                run["edit_median_ms"] = (
                    statistics.median(e["ms"] for e in edited["edits"]) if edited["edits"] else None
                )
                run["all_edits"] = edited["edits"]
                run["rss_mb"] = round(sum(rss_mb(servers.pids()).values()))
                runs.append(run)
                log(
                    f"  {run['per_second']:.1f}/s, p50 {run['p50_ms']:.0f} ms, p95 "
                    f"{run['p95_ms']:.0f} ms, errors {run['errors']}, edits {run['edits']} "
                    f"({len(run['edit_failures'])} failed), busy cores {run['busy_cores']} "
                    f"{run['cores_by_role']}"
                )
        log("checking every edit in the database and the index …")
        edits = [e for r in runs for e in r.pop("all_edits")]
        results["edit_check"] = check_edits(edits, log)
        results["server_rss_mb"] = rss_mb(servers.pids())
    results["runs"] = runs
    results["targets"] = evaluate(results)
    return results


def evaluate(results: dict) -> list[dict]:
    out = []
    for run in results["runs"]:
        if run["users"] != TARGET_USERS:
            continue
        out.append(
            {
                "endpoint": run["endpoint"],
                "pace_s": run["pace_s"],
                "rate_ok": run["per_second"] >= TARGET_RATE,
                "p95_ok": run["p95_ms"] <= TARGET_P95_MS,
                "errors_ok": run["errors"] == 0 and not run["edit_failures"],
            }
        )
    check = results["edit_check"]
    out.append({"no_lost_edit": not (check["missing_in_database"] or check["missing_in_index"])})
    return out


def report(results: dict, log) -> None:
    log(
        f"\n{results['machine']}; ten million Python additions in "
        f"{results['cpu_calibration_s']} s; corpus {results['corpus']['passages']:,} passages; "
        f"{results['distinct_requests']} distinct searches"
    )
    log(
        "| endpoint | users | offered/s | searches/s | p50 ms | p95 ms | p99 ms | errors | edits "
        "| busy cores |"
    )
    log("|---|---|---|---|---|---|---|---|---|---|")
    for r in results["runs"]:
        offered = f"{r['offered_per_second']:.1f}" if r["offered_per_second"] else "no pause"
        log(
            f"| {r['endpoint']} | {r['users']} | {offered} | {r['per_second']:.1f} | "
            f"{r['p50_ms']:.0f} | "
            f"{r['p95_ms']:.0f} | {r['p99_ms']:.0f} | {r['errors']} | "
            f"{r['edits']} ({len(r['edit_failures'])} failed) | {r['busy_cores']} |"
        )
    check = results["edit_check"]
    log(
        f"edits checked {check['checked']}: missing in database "
        f"{len(check['missing_in_database'])}, missing in index {len(check['missing_in_index'])}"
    )
    log(f"server RSS after the runs (MB per process): {results['server_rss_mb']}")
    log(f"targets: {results['targets']}")
    log(f"total {results['total_seconds']} s")


if __name__ == "__main__":
    main()
