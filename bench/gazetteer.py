"""Camp gazetteer benchmark: importing the 380-facility ASPI dataset, and the server time of
the map page with every facility and of a facility page.

Steps, in a fresh temporary data directory with its own SQLite database: migrate; import
seeds/gazetteer/xjdp-camps-v1.csv (timed), import it again (timed, changes nothing); make a
corpus of published records tagged with facilities (random.Random(--seed), bulk_create, so
the map draws marks of different sizes); then time GET /camps/map/ and one facility page
through Django's test client, in process, which is the server's own time without a network.

Run: .venv/bin/python bench/gazetteer.py [--records 2000] [--requests 30]
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT / "seeds" / "gazetteer" / "xjdp-camps-v1.csv"


def configure_environment() -> Path:
    data_dir = Path(tempfile.mkdtemp(prefix="archive-bench-gazetteer-"))
    os.environ["ARCHIVE_DATA_DIR"] = str(data_dir)
    os.environ["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return data_dir


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def make_corpus(records: int, seed: int) -> None:
    from archive.models import Record, Term

    rng = random.Random(seed)
    camps = list(Term.objects.filter(kind="camp").values_list("pk", flat=True))
    rows = [
        Record(
            public_id=f"A-{900000 + i:06d}",
            kind="article_excerpt",
            title=f"Benchmark record {i}",
            language="en",
            state="published",
            access_level="public",
            content_hash="0" * 64,
        )
        for i in range(records)
    ]
    created = Record.objects.bulk_create(rows, batch_size=500)
    through = Record.tags.through
    # Zipf-like: a few facilities are named by many records, most by few or none.
    weights = [1 / (rank + 1) for rank in range(len(camps))]
    links = {
        (record.pk, camp)
        for record in created
        for camp in rng.choices(camps, weights=weights, k=rng.randint(1, 3))
    }
    through.objects.bulk_create(
        [through(record_id=r, term_id=t) for r, t in links], batch_size=1000
    )


def request_times(client, path: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"median {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args(argv)
    data_dir = configure_environment()
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from archive.models import Camp, ExternalIdentifier
    from archive.services.gazetteer import import_gazetteer

    call_command("migrate", verbosity=0)
    data = DATASET.read_bytes()
    first = timed(lambda: import_gazetteer(data=data))
    again = timed(lambda: import_gazetteer(data=data))
    print(f"data directory {data_dir}")
    print(f"import of {Camp.objects.count()} facilities: first {first:.2f} s, again {again:.2f} s")
    make_corpus(args.records, args.seed)
    client = Client()
    map_times = request_times(client, "/camps/map/", args.requests)
    slug = ExternalIdentifier.objects.get(scheme="xjdp", value="50").term.slug
    page_times = request_times(client, f"/camps/{slug}/", args.requests)
    listed = client.get("/camps/map/").content.decode().count("<li data-slug=")
    print(f"map page ({listed} facilities, {args.records} records tagged): {summary(map_times)}")
    print(f"facility page: {summary(page_times)}")


if __name__ == "__main__":
    main()
