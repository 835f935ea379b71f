#!/usr/bin/env python
"""Search attack benchmark: what a normal search costs under gunicorn while six anonymous
clients send the worst query forms (issue 22, item 6; docs/BENCHMARKS.md, "Bounds").

    .venv/bin/python bench/search_attack.py                         # this tree
    .venv/bin/python bench/search_attack.py --tree /tmp/old-tree    # another checkout
    .venv/bin/python bench/search_attack.py --no-throttle           # the bounds alone

Runs `--tree`'s code (default: this checkout) in a fresh temporary data directory: SQLite,
migrate, load_seeds, rebuild_index, then gunicorn with config/gunicorn.py (dev settings,
DEBUG off) on 127.0.0.1 only. Each client names itself in X-Real-IP (CLIENT_IP_HEADER, as
behind the proxy of docs/deploy.md), so the throttle sees six attackers and many readers.

1. Alone: one reader searches a common word every 0.2 s, from a different address each time
   (many people, each under the rate); median and p95 of its response times.
2. Attacked: the same reader while six attackers, one address each, send back to back
   unmatched words of 300-3,500 random letters, 50 random words, a 20-letter misspelling,
   three two-letter wildcards and 100-deep nesting, to /search/ and /api/v1/search/.

Bounded: at most 60 s a phase and 12 attackers; never fails on a slow answer.
"""

import argparse
import os
import random
import secrets
import shutil
import signal
import statistics
import string
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READER_QUERIES = ("police", "camp", "detention", "family", "school")


def attack_query(rng: random.Random) -> str:
    def word(n: int) -> str:
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(n))

    return rng.choice(
        [
            lambda: word(rng.randint(300, 3500)),
            lambda: " ".join(word(20) for _ in range(50)),
            lambda: word(20),
            lambda: f"{word(2)}* {word(2)}* {word(2)}*",
            lambda: "(" * 100 + word(12) + ")" * 100,
        ]
    )()


def get(base: str, path: str, ip: str, timeout: float = 120) -> tuple[int, float]:
    request = urllib.request.Request(base + path, headers={"X-Real-IP": ip})  # noqa: S310
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    except OSError:
        status = 0
    return status, time.perf_counter() - started


def reader(base: str, seconds: float, out: list) -> None:
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        q = READER_QUERIES[n % len(READER_QUERIES)]
        status, took = get(
            base,
            "/api/v1/search/?" + urllib.parse.urlencode({"q": q}),
            f"10.1.{n // 250}.{n % 250 + 1}",
        )
        out.append((status, took))
        time.sleep(max(0.0, 0.2 - took))


def attacker(base: str, number: int, stop: threading.Event, out: list) -> None:
    rng = random.Random(number)
    while not stop.is_set():
        path = rng.choice(["/search/?", "/api/v1/search/?"])
        status, took = get(
            base, path + urllib.parse.urlencode({"q": attack_query(rng)}), f"10.2.0.{number + 1}"
        )
        out.append((status, took))


def summary(samples: list) -> str:
    if not samples:
        return "no answers"
    ms = sorted(1000 * took for _, took in samples)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    statuses = {}
    for status, _ in samples:
        statuses[status] = statuses.get(status, 0) + 1
    counts = ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()))
    return (
        f"n={len(ms)} median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, "
        f"max {ms[-1]:.1f} ms ({counts})"
    )


class Server:
    def __init__(self, tree: Path, port: int, throttle: bool):
        self.tree = tree
        self.data_dir = Path(tempfile.mkdtemp(prefix="search-attack-"))
        self.base = f"http://127.0.0.1:{port}"
        self.env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "ARCHIVE_DATA_DIR": str(self.data_dir),
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
        }
        for name in ("DATABASE_URL", "ARCHIVE_INDEX_DIR", "ARCHIVE_THROTTLE_DIR"):
            self.env.pop(name, None)
        if not throttle:
            self.env["API_THROTTLE_SEARCH_ANON"] = "1000000/second"
        self.process = None

    def manage(self, *command: str) -> None:
        python = self.tree / ".venv" / "bin" / "python"
        subprocess.run(  # noqa: S603
            [str(python), "manage.py", *command],
            cwd=self.tree,
            env=self.env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def __enter__(self):
        for command in (("migrate",), ("load_seeds",), ("rebuild_index",)):
            self.manage(*command)
        gunicorn = self.tree / ".venv" / "bin" / "gunicorn"
        log = open(self.data_dir / "gunicorn.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603
            [str(gunicorn), "--config", "config/gunicorn.py", "config.wsgi"],
            cwd=self.tree,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        # Any answer will do: /healthz says 503 here, as no index worker runs.
        while get(self.base, "/healthz", "10.0.0.1", timeout=5)[0] == 0:
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.__exit__()
                raise SystemExit("gunicorn did not come up")
            time.sleep(0.5)
        return self

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tree", type=Path, default=ROOT, help="checkout to run (with its .venv)")
    p.add_argument("--port", type=int, default=8108)
    p.add_argument("--attackers", type=int, default=6)
    p.add_argument("--seconds", type=float, default=30, help="length of each phase")
    p.add_argument("--no-throttle", action="store_true", help="lift the search throttle")
    args = p.parse_args(argv)
    seconds = min(args.seconds, 60)
    attackers = min(args.attackers, 12)
    tree = args.tree.resolve()
    commit = subprocess.run(  # noqa: S603
        ["git", "log", "--oneline", "-1"],  # noqa: S607
        cwd=tree,
        capture_output=True,
        text=True,  # noqa: S607
    ).stdout.strip()
    print(f"tree {tree} ({commit}); throttle {'lifted' if args.no_throttle else 'on'}")
    with Server(tree, args.port, throttle=not args.no_throttle) as server:
        for q in READER_QUERIES:  # warm each worker's index readers
            for _ in range(3):
                get(server.base, "/api/v1/search/?q=" + q, "10.0.0.2")
        alone: list = []
        reader(server.base, seconds, alone)
        print(f"reader alone:    {summary(alone)}")
        attacked: list = []
        attacks: list = []
        stop = threading.Event()
        threads = [
            threading.Thread(target=attacker, args=(server.base, n, stop, attacks))
            for n in range(attackers)
        ]
        for thread in threads:
            thread.start()
        reader(server.base, seconds, attacked)
        stop.set()
        for thread in threads:
            thread.join(timeout=130)
        print(f"reader attacked: {summary(attacked)}")
        print(f"attackers ({attackers}): {summary(attacks)}")


if __name__ == "__main__":
    main()
