"""Reads that several surfaces share, each starting from the policy in archive.permissions."""

from archive import permissions
from archive.models import Collection, CollectionVersion


def latest_version(collection: Collection) -> CollectionVersion | None:
    # The manifest lists every item (megabytes at 50,000 items): pages never need it.
    return collection.versions.defer("manifest").order_by("-number").first()


def collection_record_ids(user, collection: Collection) -> frozenset[int]:
    """The records a search "within this collection" covers: an editor's working draft, or
    for readers the newest published version. The record rule still applies on top."""
    if permissions.can_edit_collection(user, collection):
        items = collection.items.all()
    else:
        version = latest_version(collection)
        if version is None:
            return frozenset()
        items = version.items.all()
    return frozenset(items.values_list("record_id", flat=True))


def editable_collection_choices(user) -> list[tuple[str, str]]:
    """(slug, title) of the collections the user may add items to, for "add to collection"."""
    if not permissions.can_create_collection(user):
        return []
    return list(permissions.editable_collections(user).values_list("slug", "title"))
