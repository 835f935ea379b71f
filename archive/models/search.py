"""The search outbox: index updates queued in the same transaction as the change they reflect."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models

from archive.batching import collecting


class IndexQueue(models.Model):
    """One row per record whose index documents must be rebuilt from the database.

    Rows are written in the transaction that changes the record, so a change and its queue
    row commit or roll back together. The single index writer deletes a row only after the
    index commit that reflects it; a crash in between leaves the row to be applied again,
    which is harmless because applying a row means "make the index match the database".
    """

    record_id = models.BigIntegerField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"index record {self.record_id}"


_pending: ContextVar[set[int] | None] = ContextVar("pending_index_updates", default=None)


def enqueue_records(record_ids: Iterable[int]) -> None:
    """Queue index updates for these records (coalesced inside `coalesce_index_updates`)."""
    ids = {int(pk) for pk in record_ids if pk is not None}
    if not ids:
        return
    pending = _pending.get()
    if pending is not None:
        pending.update(ids)
        return
    IndexQueue.objects.bulk_create(IndexQueue(record_id=pk) for pk in sorted(ids))


@contextmanager
def coalesce_index_updates() -> Iterator[None]:
    """Within the block, queue each touched record once, when the block ends."""
    with collecting(_pending) as pending:
        yield
    enqueue_records(pending or ())
