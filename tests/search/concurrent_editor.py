"""A separate process that edits records through the services, for the concurrency test.

Usage: python -m tests.search.concurrent_editor WORKER EDITS RECORD_ID [RECORD_ID ...]
Each edit rewrites the record's first passage with a token unique to (worker, edit) and adds
a tag, in one transaction, as an archivist's save would.
"""

import os
import random
import sys
import time


def main(worker: int, edits: int, record_ids: list[int]) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    from django.db import OperationalError, transaction

    from archive.models import Record, Term
    from archive.services.records import PassageInput, record_set_passages, records_add_tags

    rng = random.Random(worker)  # noqa: S311 - test data, not security
    terms = list(Term.objects.order_by("pk")[:20])
    for edit in range(edits):
        record_id = rng.choice(record_ids)
        token = f"tok{worker}x{edit}q"
        for attempt in range(20):
            try:
                with transaction.atomic():
                    record = Record.objects.get(pk=record_id)
                    texts = [p.text for p in record.passages.order_by("position")]
                    texts[0] = f"Edited by worker {worker}: {token}."
                    record_set_passages(
                        record=record, passages=[PassageInput(t) for t in texts], note="edit"
                    )
                    records_add_tags(records=[record], terms=[rng.choice(terms)], note="tag")
                break
            except OperationalError:  # SQLite busy under contention: retry like a user would
                time.sleep(0.05 * (attempt + 1))
        else:
            raise SystemExit(f"worker {worker} could not save edit {edit}")
        print(f"{record_id} {token}", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), [int(a) for a in sys.argv[3:]])
