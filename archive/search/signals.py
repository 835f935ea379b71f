"""Queue index updates for every change that alters what a record's documents hold.

The receivers run inside the transaction of the change, so the queue row commits or rolls
back with it. Connected in ArchiveConfig.ready().
"""

from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from archive.models import Passage, Record, Source, Term
from archive.models.records import deleting_records
from archive.models.search import enqueue_records


def _record_changed(sender, instance: Record, **kwargs):
    enqueue_records([instance.pk])


def _passage_changed(sender, instance: Passage, **kwargs):
    if deleting_records(kwargs.get("origin")):
        return  # the record's own delete queues it
    enqueue_records([instance.record_id])


def _record_tags_changed(sender, instance, action, pk_set, **kwargs):
    if action == "pre_clear" and isinstance(instance, Term):
        # After a clear the rows are gone and pk_set is empty: collect the records now.
        enqueue_records(instance.records.values_list("pk", flat=True))
        return
    if not action.startswith("post_"):
        return
    if isinstance(instance, Record):
        enqueue_records([instance.pk])
    else:  # reverse side: term.records.add(...)
        enqueue_records(pk_set or Record.objects.filter(tags=instance).values_list("pk", flat=True))


def _passage_tags_changed(sender, instance, action, pk_set, **kwargs):
    if action == "pre_clear" and isinstance(instance, Term):
        enqueue_records(instance.passages.values_list("record_id", flat=True))
        return
    if not action.startswith("post_"):
        return
    if isinstance(instance, Passage):
        enqueue_records([instance.record_id])
    else:
        passages = Passage.objects.filter(pk__in=pk_set) if pk_set else instance.passages.all()
        enqueue_records(passages.values_list("record_id", flat=True))


def records_tagged_with(term: Term):
    return (
        Record.objects.filter(Q(tags=term) | Q(passages__tags=term))
        .values_list("pk", flat=True)
        .distinct()
    )


def _term_deleted(sender, instance: Term, **kwargs):
    # The tag rows go with the term without an m2m signal, so queue their records now.
    enqueue_records(records_tagged_with(instance))


def _term_saved(sender, instance: Term, created, **kwargs):
    if not created and getattr(instance, "_slug_changed", False):
        enqueue_records(records_tagged_with(instance))


def _source_saved(sender, instance: Source, **kwargs):
    # The source's date orders results by date; its records must be re-indexed.
    enqueue_records(instance.records.values_list("pk", flat=True))


def connect() -> None:
    post_save.connect(_record_changed, sender=Record, dispatch_uid="index-record-save")
    post_delete.connect(_record_changed, sender=Record, dispatch_uid="index-record-delete")
    post_save.connect(_passage_changed, sender=Passage, dispatch_uid="index-passage-save")
    post_delete.connect(_passage_changed, sender=Passage, dispatch_uid="index-passage-delete")
    m2m_changed.connect(
        _record_tags_changed, sender=Record.tags.through, dispatch_uid="index-record-tags"
    )
    m2m_changed.connect(
        _passage_tags_changed, sender=Passage.tags.through, dispatch_uid="index-passage-tags"
    )
    pre_delete.connect(_term_deleted, sender=Term, dispatch_uid="index-term-delete")
    post_save.connect(_term_saved, sender=Term, dispatch_uid="index-term-save")
    post_save.connect(_source_saved, sender=Source, dispatch_uid="index-source-save")
