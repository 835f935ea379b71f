"""Writes to collections: create, edit, delete, share, items (add, annotate, move, remove),
publish.

Every write checks archive.permissions (editors only) and writes its audit entry in the same
transaction. Publishing freezes a numbered CollectionVersion whose items are pinned to the
record versions they had, with the SHA-256 of its manifest (docs/collections.md).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from archive import hashing, permissions
from archive.models import (
    Collection,
    CollectionItem,
    CollectionShare,
    CollectionVersion,
    CollectionVersionItem,
    Record,
    RecordState,
    ShareRole,
    Visibility,
)
from archive.models.audit import AuditAction
from archive.models.collections import check_item
from archive.services import audit
from archive.slugs import unguessable_slug

MANIFEST_FORMAT = 1


def _require_editor(user, collection: Collection) -> None:
    if not permissions.can_edit_collection(user, collection):
        raise PermissionDenied("Only the collection's curators and editors change it.")


@transaction.atomic
def collection_create(
    *, title: str, by, description: str = "", visibility: str = Visibility.PRIVATE
) -> Collection:
    """A new collection, curated by its creator (lawyers, researchers and archivists)."""
    if not permissions.can_create_collection(by):
        raise PermissionDenied("Only archivists, lawyers and researchers make collections.")
    collection = Collection(
        slug=unguessable_slug(Collection, title, fallback="collection"),
        title=title,
        description=description,
        visibility=visibility,
    )
    collection.full_clean()
    collection.save()
    collection.curators.add(by)
    audit.log(
        AuditAction.COLLECTION_CREATE,
        actor=by,
        target=("collection", collection.slug),
        detail={"visibility": visibility},
    )
    return collection


EDITABLE = ("title", "description", "visibility")


@transaction.atomic
def collection_update(*, collection: Collection, by, **fields) -> bool:
    _require_editor(by, collection)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    changed = sorted(name for name, value in fields.items() if getattr(collection, name) != value)
    if not changed:
        return False
    for name in changed:
        setattr(collection, name, fields[name])
    collection.full_clean()
    collection.save()
    _log_edit(collection, by, {"fields": changed})
    return True


@transaction.atomic
def collection_share(
    *,
    collection: Collection,
    by,
    role: str,
    user=None,
    group=None,
    username: str = "",
    group_name: str = "",
) -> CollectionShare:
    """Share with one user or group, by object or by name, as viewer or editor (replacing
    any earlier share with the same name). Shares take effect while the collection's
    visibility is `shared`.

    A name that matches no active account or group is shared all the same and takes effect
    for whoever bears it once active (an invitee who has not accepted yet, say)."""
    _require_editor(by, collection)
    if role not in ShareRole.values:
        raise ValidationError({"role": "Choose viewer or editor."})
    if user is not None:
        username = user.get_username()
    if group is not None:
        group_name = group.name
    username, group_name = username.strip(), group_name.strip()
    if bool(username) == bool(group_name):
        raise ValidationError("Share with exactly one user or one group.")
    # SECURITY: the sharer must not learn whether the name is an account (a state attacker
    # with a researcher's login would list the archive's staff): the same answer, the same
    # single entry in the list, and the same work done for a name that matches nothing.
    if username:
        same_name = Q(user__username=username) | Q(pending_username=username)
        account = get_user_model().objects.filter(username=username, is_active=True).first()
        grantee = {"user": account} if account else {"pending_username": username}
        who = f"user {username}"
    else:
        same_name = Q(group__name=group_name) | Q(pending_group=group_name)
        found = Group.objects.filter(name=group_name).first()
        grantee = {"group": found} if found else {"pending_group": group_name}
        who = f"group {group_name}"
    collection.shares.filter(same_name).delete()
    share = CollectionShare.objects.create(collection=collection, role=role, **grantee)
    detail = {"shared_with": who, "role": role}
    if not (grantee.get("user") or grantee.get("group")):
        detail["no_active_account_or_group_yet"] = True  # the audit log is for archivists
    _log_edit(collection, by, detail)
    return share


@transaction.atomic
def collection_unshare(*, share: CollectionShare, by) -> None:
    _require_editor(by, share.collection)
    who = share.label
    share.delete()
    _log_edit(share.collection, by, {"unshared": who})


@transaction.atomic
def collection_add_item(
    *,
    collection: Collection,
    record: Record,
    by,
    passage_number: int | None = None,
    annotation: str = "",
) -> tuple[CollectionItem, bool]:
    """Add a record, or one of its passages, at the end; returns (item, added). An item
    already there is kept where it is and returned with added False, so adding twice is
    harmless and the caller can say that nothing changed."""
    _require_editor(by, collection)
    if not permissions.can_view_record(by, record):
        # SECURITY: the same answer as for a record that does not exist.
        raise ValidationError("No such record.")
    check_item(record, passage_number)
    Collection.objects.select_for_update().filter(pk=collection.pk).first()
    existing = collection.items.filter(record=record, passage_number=passage_number).first()
    if existing is not None:
        return existing, False
    last = collection.items.aggregate(n=Max("position"))["n"] or 0
    item = CollectionItem.objects.create(
        collection=collection,
        position=last + 1,
        record=record,
        passage_number=passage_number,
        annotation=annotation,
        added_by=by,
    )
    _log_edit(collection, by, {"item_added": _item_label(item)})
    return item, True


def _visible_item(by, item: CollectionItem) -> None:
    # An editor who may not see an item's record cannot touch it either.
    if not permissions.can_view_record(by, item.record):
        raise ValidationError("No such item.")


@transaction.atomic
def collection_annotate_item(*, item: CollectionItem, by, annotation: str) -> None:
    _require_editor(by, item.collection)
    _visible_item(by, item)
    if item.annotation == annotation:
        return
    item.annotation = annotation
    item.save(update_fields=["annotation"])
    _log_edit(item.collection, by, {"item_annotated": _item_label(item)})


@transaction.atomic
def collection_remove_item(*, item: CollectionItem, by) -> None:
    _require_editor(by, item.collection)
    _visible_item(by, item)
    label = _item_label(item)
    item.delete()
    _log_edit(item.collection, by, {"item_removed": label})


@transaction.atomic
def collection_move_item(*, item: CollectionItem, by, offset: int) -> None:
    """Move an item up (negative) or down (positive) among the items, swapping positions."""
    _require_editor(by, item.collection)
    _visible_item(by, item)
    Collection.objects.select_for_update().filter(pk=item.collection_id).first()
    items = list(item.collection.items.order_by("position"))
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    target = min(max(index + offset, 0), len(items) - 1)
    if target == index:
        return
    items.insert(target, items.pop(index))
    for position, other in enumerate(items, start=1):
        if other.position != position:
            CollectionItem.objects.filter(pk=other.pk).update(position=position)
    _log_edit(item.collection, by, {"item_moved": _item_label(item), "to": target + 1})


@transaction.atomic
def collection_delete(*, collection: Collection, by) -> None:
    """Delete a collection that was never published and never granted, with its draft items
    and shares. A published version may be cited or exported, so a collection that has one
    stays; a grant is part of the access record, so a granted collection stays too."""
    _require_editor(by, collection)
    Collection.objects.select_for_update().filter(pk=collection.pk).first()
    if collection.versions.exists():
        raise ValidationError("A published collection cannot be deleted; it may be cited.")
    if collection.grants.exists():
        # Grants are kept, never deleted (docs/access-control.md); deleting would cascade.
        raise ValidationError("A collection with access grants cannot be deleted.")
    slug = collection.slug
    collection.delete()
    audit.log(
        AuditAction.COLLECTION_EDIT,
        actor=by,
        target=("collection", slug),
        detail={"deleted": True},
    )


# -- publishing -------------------------------------------------------------------------------


# The manifest hash: SHA-256 of the manifest as canonical JSON (archive/hashing.py).
manifest_hash = hashing.sha256_json


@transaction.atomic
def collection_publish(*, collection: Collection, by, note: str = "") -> CollectionVersion:
    """Freeze the collection as its next version. Each item is pinned to the newest version
    of its record made while the record was published; a collection holding a record that
    was never published cannot be published (the error names only records `by` may see)."""
    _require_editor(by, collection)
    Collection.objects.select_for_update().filter(pk=collection.pk).first()
    items = list(collection.items.select_related("record").order_by("position"))
    if not items:
        raise ValidationError("An empty collection cannot be published.")
    pinned, unpublished = {}, []
    for item in items:
        version = (
            item.record.versions.filter(state=RecordState.PUBLISHED).order_by("-number").first()
        )
        if version is None or item.record.state != RecordState.PUBLISHED:
            unpublished.append(item)
        else:
            pinned[item.pk] = version
    if unpublished:
        shown, hidden = permissions.split_items(by, unpublished)
        names = ", ".join(sorted({i.record.public_id for i in shown}))
        more = f" and {hidden} other item(s)" if hidden else ""
        raise ValidationError(
            f"Only published records can be cited: remove or publish {names or ''}{more}."
        )
    last = collection.versions.aggregate(n=Max("number"))["n"] or 0
    now = timezone.now()
    manifest = {
        "format": MANIFEST_FORMAT,
        "collection": collection.slug,
        "version": last + 1,
        "title": collection.title,
        "description": collection.description,
        "published_at": now.isoformat(),
        "items": [
            {
                "position": position,
                "record": item.record.public_id,
                "record_version": pinned[item.pk].number,
                "record_version_hash": pinned[item.pk].version_hash,
                "content_hash": pinned[item.pk].content_hash,
                "passage": item.passage_number,
                "passage_sha256": _passage_hash(pinned[item.pk], item.passage_number),
                "annotation": item.annotation,
            }
            for position, item in enumerate(items, start=1)
        ],
    }
    version = CollectionVersion.objects.create(
        collection=collection,
        number=last + 1,
        title=collection.title,
        description=collection.description,
        note=note.strip(),
        published_at=now,
        published_by=by,
        manifest=manifest,
        manifest_hash=manifest_hash(manifest),
    )
    CollectionVersionItem.objects.bulk_create(
        CollectionVersionItem(
            version=version,
            position=position,
            record=item.record,
            record_version=pinned[item.pk],
            passage_number=item.passage_number,
            annotation=item.annotation,
        )
        for position, item in enumerate(items, start=1)
    )
    audit.log(
        AuditAction.COLLECTION_PUBLISH,
        actor=by,
        target=("collection", collection.slug),
        detail={"version": version.number, "items": len(items), "hash": version.manifest_hash},
    )
    return version


def _passage_hash(record_version, number: int | None) -> str | None:
    if number is None:
        return None
    for passage in record_version.snapshot.get("passages", []):
        if passage["number"] == number:
            return passage["sha256"]
    raise ValidationError(
        f"¶{number} is not in version {record_version.number} of the record it belongs to."
    )


# -- helpers ----------------------------------------------------------------------------------


def _item_label(item) -> str:
    where = f" ¶{item.passage_number}" if item.passage_number else ""
    return f"{item.record.public_id}{where}"


def _log_edit(collection: Collection, by, detail: dict) -> None:
    audit.log(
        AuditAction.COLLECTION_EDIT,
        actor=by,
        target=("collection", collection.slug),
        detail=detail,
    )
