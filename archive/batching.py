"""Collect record ids during a block of writes and act on them once, when it ends."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


@contextmanager
def collecting(var: ContextVar[set[int] | None]) -> Iterator[set[int] | None]:
    """Make `var` a set for the block and yield it; None when an outer block already collects,
    so only the outermost block flushes. On an exception the caller's flush is skipped."""
    if var.get() is not None:
        yield None
        return
    pending: set[int] = set()
    token = var.set(pending)
    try:
        yield pending
    finally:
        var.reset(token)
