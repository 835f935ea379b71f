"""manage.py index_worker: the single writer that applies the search outbox to the index."""

import logging
import os
import signal
import time
from pathlib import Path

from django.core.management.base import BaseCommand

from archive.search import engine, heartbeat

logger = logging.getLogger(__name__)


def _lower_priority(nice: int) -> None:
    os.nice(nice)
    # Linux groups processes by session (autogroup) and shares the CPU between the groups
    # first; niceness counts only within a group. A worker in a session of its own (a systemd
    # unit) then took up to a fifth of the machine from the web processes under a rush
    # (docs/BENCHMARKS.md, "Load"), so its group is made nice too. Only when it leads that
    # session: under `make serve` the group also holds the web processes.
    if os.getsid(0) != os.getpid():
        return
    try:
        Path("/proc/self/autogroup").write_text(str(nice))
    except OSError:
        pass  # no autogroup scheduling (other kernels or settings): nothing to do


class Command(BaseCommand):
    help = (
        "Apply queued index updates in batches, one writer at a time. Runs until stopped; "
        "--once drains the queue and exits."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Drain the queue, then exit.")
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument(
            "--nice",
            type=int,
            default=10,
            help="Scheduling niceness added to the worker (default 10): searches come first.",
        )
        parser.add_argument(
            "--poll",
            type=float,
            default=1.0,
            help="Seconds between polls of an idle queue (default 1).",
        )
        parser.add_argument(
            "--gap",
            type=float,
            default=2.0,
            help="Seconds at least between the starts of two commits (default 2).",
        )
        parser.add_argument(
            "--heartbeat",
            dest="heartbeat_seconds",
            type=float,
            default=5.0,
            help="Seconds between heartbeats that /healthz checks (default 5).",
        )

    def handle(
        self,
        *args,
        once: bool,
        batch_size: int,
        poll: float,
        gap: float,
        nice: int,
        heartbeat_seconds: float,
        **options,
    ):
        if once:
            self.stdout.write(f"applied {engine.drain(batch_size)} queued update(s)")
            return
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True  # finish the batch in hand, then leave

        # Merging segments takes seconds of CPU now and then; on a small server that must not
        # come out of searches' time. Spare CPU still indexes at once, and /healthz shows a lag.
        _lower_priority(nice)
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        beating = heartbeat.start(heartbeat_seconds)
        self.stdout.write("index worker running")
        failures = 0
        while not stopping:
            started = time.monotonic()
            try:
                applied = engine.apply_queue(batch_size)
                failures = 0
            except Exception:
                # A database or disk hiccup must not stop indexing for good: the rows stay
                # queued, so retry with a growing pause and let index_status show the lag.
                failures += 1
                logger.exception("index batch failed (attempt %d); retrying", failures)
                time.sleep(min(60, poll * 2**failures))
                continue
            if applied:
                self.stdout.write(f"applied {applied} queued update(s)")
            # An idle queue is polled every `poll` seconds, so a lone save is searchable within
            # about that; but commits start at least `gap` apart. While archivists keep saving,
            # a commit per save cost every search process its after-commit work (some 190 ms
            # each at 100,000 passages) and the worker a segment and merges; saves made within
            # the gap share one commit (docs/BENCHMARKS.md, "Load").
            time.sleep(max(0.0, gap - (time.monotonic() - started)) if applied else poll)
        beating.set()
