"""The one policy that decides who may see what. Every surface asks it: pages, search, API,
exports, collections and the admin.

The rule (docs/access-control.md):
- Archivists (the `archivist` group) and superusers see every record in every state.
- Everyone else sees a record only if it is published, not under embargo, and either its
  access level is open to them or they hold an active grant for it:
    public        anyone
    registered    any signed-in, active account
    restricted    lawyers, and users or groups granted the record or a collection holding it
    confidential  users granted the record by name (group and collection grants do not open it)
- A grant is active while unrevoked and unexpired; expiry is checked at every request.

The search index carries each record's state, level and embargo date (`index_tokens`,
`index_embargo`), and `search_scope` tells the engine which of them a user may match, so
the engine query enforces the same rule (archive/search/query.py).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from archive import roles
from archive.models import (
    AccessLevel,
    Collection,
    Grant,
    Record,
    RecordState,
    ShareRole,
    Visibility,
)

GROUP_GRANTABLE = (AccessLevel.PUBLIC, AccessLevel.REGISTERED, AccessLevel.RESTRICTED)


# -- who the user is ----------------------------------------------------------------------------


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _group_names(user) -> frozenset[str]:
    if not _signed_in(user):
        return frozenset()
    cached = getattr(user, "_archive_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._archive_group_names = cached
    return cached


def needs_two_factor(user) -> bool:
    """Accounts that see everything must prove a second factor (TOTP) at sign-in."""
    return _signed_in(user) and (user.is_superuser or roles.ARCHIVIST in _group_names(user))


def _second_factor_ok(user) -> bool:
    # Request users carry is_verified (django-otp's middleware); users outside a request
    # (management commands, services called from the shell) are trusted as they are.
    verified = getattr(user, "is_verified", None)
    return verified is None or verified()


def is_archivist(user) -> bool:
    return needs_two_factor(user) and _second_factor_ok(user)


def sees_everything(user) -> bool:
    return is_archivist(user)


def role_of(user) -> str:
    """anonymous, archivist, lawyer, researcher, or registered (signed in, no role)."""
    if not _signed_in(user):
        return "anonymous"
    if is_archivist(user):
        return roles.ARCHIVIST
    names = _group_names(user)
    for role in (roles.LAWYER, roles.RESEARCHER):
        if role in names:
            return role
    return "registered"


def levels_for(user) -> tuple[str, ...]:
    """Access levels a user sees by role alone, without grants."""
    if sees_everything(user):
        return tuple(AccessLevel.values)
    if not _signed_in(user):
        return (AccessLevel.PUBLIC,)
    if role_of(user) == roles.LAWYER:
        return (AccessLevel.PUBLIC, AccessLevel.REGISTERED, AccessLevel.RESTRICTED)
    return (AccessLevel.PUBLIC, AccessLevel.REGISTERED)


def require_archivist(user, doing: str) -> None:
    """Writes that only archivists may make raise PermissionDenied for anyone else."""
    if not is_archivist(user):
        raise PermissionDenied(f"Only archivists {doing}.")


def can_use_admin(user) -> bool:
    """The admin shows everything, so only archivists (and superusers) get in."""
    return is_archivist(user) and user.is_staff


# -- records ------------------------------------------------------------------------------------


def _granted(user) -> Q:
    """Records the user holds an active grant for: by name or through a group, on the record
    itself or on a collection. Group grants and collection grants open nothing confidential.

    A collection grant opens only the records pinned in the versions published by the time
    the archivist made it, not the working draft nor later versions."""
    group_ids = user.groups.values("pk")
    active = Grant.objects.active()
    direct = active.filter(record=OuterRef("pk")).filter(
        Q(user=user) | Q(group__in=group_ids, record__access_level__in=GROUP_GRANTABLE)
    )
    # SECURITY: curators and editors (not archivists) write drafts and publish versions; if a
    # grant followed them, anyone who may edit a granted collection could pass on records
    # they were granted themselves. One filter() call keeps the version's two conditions on
    # the same version.
    by_collection = active.filter(
        Q(user=user) | Q(group__in=group_ids),
        collection__versions__items__record=OuterRef("pk"),
        collection__versions__published_at__lte=F("created_at"),
    )
    return Q(Exists(direct)) | (Q(Exists(by_collection)) & Q(access_level__in=GROUP_GRANTABLE))


def visible_records(user) -> QuerySet[Record]:
    """Records this user may see; every list, search, export and API read starts here."""
    records = Record.objects.all()
    if sees_everything(user):
        return records
    today = timezone.now().date()
    open_to_user = Q(access_level__in=levels_for(user))
    if _signed_in(user):
        open_to_user |= _granted(user)
    return records.filter(
        Q(state=RecordState.PUBLISHED),
        Q(embargo_until__isnull=True) | Q(embargo_until__lte=today),
        open_to_user,
    )


def can_view_record(user, record: Record) -> bool:
    if sees_everything(user):
        return True
    return visible_records(user).filter(pk=record.pk).exists()


def get_visible_record_or_404(user, **lookup) -> Record:
    """Fetch a record the user may see; a hidden record is indistinguishable from a missing one."""
    record = visible_records(user).filter(**lookup).first()
    if record is None:
        # SECURITY: 404, never 403, so nobody can probe which identifiers exist.
        raise Http404("No such record.")
    return record


def visible_versions(user, record: Record):
    """The versions of a record (one the user may see) that the user may read: archivists
    every version; everyone else only versions made while the record was published, so a
    draft never shows through its history."""
    versions = record.versions.order_by("number")
    if sees_everything(user):
        return versions
    return versions.filter(state=RecordState.PUBLISHED)


def can_compare_versions(user) -> bool:
    """Diffs show what changed before publication (redactions included): archivists only."""
    return is_archivist(user)


def is_sensitive(record: Record) -> bool:
    """Views of these are audited."""
    return record.access_level in (AccessLevel.RESTRICTED, AccessLevel.CONFIDENTIAL)


# -- testimony details ---------------------------------------------------------------------------
#
# SECURITY: each narrator detail is coarse, but together (home prefecture, gender, age band,
# interview month, organization) they describe a person. A reader sees only what their
# role needs; consent and access settings are the archive's own business.

TESTIMONY_DETAILS_FOR_ANYONE = ("narrator_pseudonym", "relation", "detention", "original_language")
TESTIMONY_DETAILS_FOR_RESEARCH = (
    *TESTIMONY_DETAILS_FOR_ANYONE,
    "gender",
    "age_range",
    "ethnicity",
    "home_prefecture",
    "interview_date",
    "interviewing_organization",
    "translation_note",
)
TESTIMONY_DETAILS_FOR_CASES = (*TESTIMONY_DETAILS_FOR_RESEARCH, "reliability_notes")
TESTIMONY_DETAILS_FOR_ARCHIVISTS = (*TESTIMONY_DETAILS_FOR_CASES, "consent_scope")


@dataclass(frozen=True)
class DetailScope:
    """Which testimony details (names above) and access settings a reader is shown, and
    whether dates are cut to the year."""

    testimony: tuple[str, ...]
    dates_to_year: bool
    access_settings: bool


def detail_scope(user) -> DetailScope:
    role = role_of(user)
    if role == roles.ARCHIVIST:
        return DetailScope(TESTIMONY_DETAILS_FOR_ARCHIVISTS, False, True)
    if role == roles.LAWYER:
        return DetailScope(TESTIMONY_DETAILS_FOR_CASES, False, False)
    if role == roles.RESEARCHER:
        return DetailScope(TESTIMONY_DETAILS_FOR_RESEARCH, False, False)
    # Anonymous visitors and accounts without a role: the account was never vetted.
    return DetailScope(TESTIMONY_DETAILS_FOR_ANYONE, True, False)


# -- collections ----------------------------------------------------------------------------------
#
# A collection never widens access: it decides who sees the collection (its title, notes
# and order), while each item is shown only if its record is visible to the reader by the
# record rule above; any other item is counted, never named.


def can_create_collection(user) -> bool:
    return is_archivist(user) or bool(_group_names(user) & {roles.LAWYER, roles.RESEARCHER})


def _shared_with(user, role: str | None = None) -> Q:
    # A share made by name before the account or group existed counts for its bearer.
    share = (
        Q(shares__user=user)
        | Q(shares__group__in=user.groups.values("pk"))
        | Q(shares__pending_username=user.get_username())
        | Q(shares__pending_group__in=user.groups.values("name"))
    )
    if role is not None:
        share &= Q(shares__role=role)
    return Q(visibility=Visibility.SHARED) & share


def editable_collections(user) -> QuerySet[Collection]:
    """Collections the user may change: curators, editors it is shared with, archivists."""
    if is_archivist(user):
        return Collection.objects.all()
    if not _signed_in(user):
        return Collection.objects.none()
    ids = Collection.objects.filter(Q(curators=user) | _shared_with(user, ShareRole.EDITOR))
    return Collection.objects.filter(pk__in=ids.values("pk"))


def visible_collections(user) -> QuerySet[Collection]:
    """Collections whose page the user may open. Editors see their drafts; readers (public,
    shared viewers, grantees) see only collections with a published version."""
    if is_archivist(user):
        return Collection.objects.all()
    readable = Q(visibility=Visibility.PUBLIC)
    if _signed_in(user):
        grants = Grant.objects.active().filter(
            Q(user=user) | Q(group__in=user.groups.values("pk")), collection=OuterRef("pk")
        )
        readable |= _shared_with(user) | Q(Exists(grants))
    published = Collection.objects.filter(readable, versions__isnull=False)
    return Collection.objects.filter(
        Q(pk__in=published.values("pk")) | Q(pk__in=editable_collections(user).values("pk"))
    )


def can_edit_collection(user, collection: Collection) -> bool:
    return editable_collections(user).filter(pk=collection.pk).exists()


def get_visible_collection_or_404(user, **lookup) -> Collection:
    collection = visible_collections(user).filter(**lookup).first()
    if collection is None:
        # SECURITY: a collection one may not see is indistinguishable from a missing one.
        raise Http404("No such collection.")
    return collection


def get_editable_collection_or_404(user, **lookup) -> Collection:
    collection = editable_collections(user).filter(**lookup).first()
    if collection is None:
        raise Http404("No such collection.")
    return collection


def visible_items(user, items: QuerySet) -> QuerySet:
    """The items (of a draft or of a published version) whose records the user may see."""
    if sees_everything(user):
        return items
    return items.filter(record__in=visible_records(user).values("pk"))


def split_items(user, items) -> tuple[list, int]:
    """(the items the user may see, how many others there are), for a draft's CollectionItems
    or a version's CollectionVersionItems. Versions pin only record versions made while the
    record was published, so the record rule alone decides."""
    items = list(items)
    record_ids = {item.record_id for item in items}
    visible = set(visible_records(user).filter(pk__in=record_ids).values_list("pk", flat=True))
    shown = [item for item in items if item.record_id in visible]
    return shown, len(items) - len(shown)


# -- the search index's side ----------------------------------------------------------------------


def index_tokens(record: Record) -> list[str]:
    """Access tokens stored with a record's index documents."""
    if record.state != RecordState.PUBLISHED:
        return ["unpublished"]
    return ["published", f"level:{record.access_level}"]


def index_embargo(record: Record) -> str:
    """The embargo date as the index stores it (YYYYMMDD), or "" for none."""
    return record.embargo_until.strftime("%Y%m%d") if record.embargo_until else ""


@dataclass(frozen=True)
class SearchScope:
    """What a user's searches may match. `everything`, or: documents carrying one of
    `tokens`, or documents of `records` (active grants) that are published; in both cases
    minus documents whose embargo date lies after `today` (YYYYMMDD)."""

    everything: bool
    tokens: tuple[str, ...] = ()
    records: frozenset[int] = frozenset()
    today: str = ""


def search_scope(user) -> SearchScope:
    if sees_everything(user):
        return SearchScope(everything=True)
    tokens = tuple(f"level:{level}" for level in levels_for(user))
    granted: frozenset[int] = frozenset()
    if _signed_in(user):
        granted = frozenset(
            visible_records(user)
            .filter(_granted(user))
            .exclude(access_level__in=levels_for(user))
            .values_list("pk", flat=True)
        )
    return SearchScope(
        everything=False,
        tokens=tokens,
        records=granted,
        today=timezone.now().date().strftime("%Y%m%d"),
    )
