"""The index worker's heartbeat: a file under the index directory whose modification time
the worker renews every few seconds while it runs, so /healthz can tell a dead worker from an
idle one (an empty queue says nothing about whether anyone would apply the next change)."""

import os
import threading
import time
from pathlib import Path

from django.conf import settings

FILE_NAME = "worker.heartbeat"


def path() -> Path:
    return Path(settings.ARCHIVE_INDEX_DIR) / FILE_NAME


def beat() -> None:
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.touch()
    os.utime(target)  # touch() leaves an existing file's time alone on some filesystems


def age_seconds() -> float | None:
    """Seconds since the last beat, or None if no worker ever beat here."""
    try:
        return max(0.0, time.time() - path().stat().st_mtime)
    except FileNotFoundError:
        return None


def start(interval: float) -> threading.Event:
    """Beat every `interval` seconds from a thread of its own until the returned event is set.

    A thread, not the worker's loop: the loop waits on the writer lock for the whole of a
    rebuild, and a worker that waits is alive. A loop that is alive but stuck still shows,
    as the age of the oldest queued change."""
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                beat()
            except OSError:
                pass  # a full or read-only disk: the beat goes stale and /healthz says so
            stop.wait(interval)

    threading.Thread(target=run, name="index-heartbeat", daemon=True).start()
    return stop
