"""The one policy that decides who may see what. Every surface asks it: pages, search, API,
exports, collections and the admin.

The rule (docs/access-control.md):
- Archivists (the `archivist` group) and superusers see every record in every state.
- Everyone else sees a record only if it is published, not under embargo, and either its
  access level is open to them or they hold an active grant for it:
    public        anyone
    registered    any signed-in, active account
    restricted    lawyers, and users or groups granted the record
    confidential  users granted the record by name (group grants do not open it)
- A grant is active while unrevoked and unexpired; expiry is checked at every request.

The search index carries each record's state, level and embargo date (`index_tokens`,
`index_embargo`), and `search_scope` tells the engine which of them a user may match, so
the engine query enforces the same rule (archive/search/query.py).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from archive import roles
from archive.models import AccessLevel, Grant, Record, RecordState

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
    """Records the user holds an active grant for, by name or through a group (group grants
    open nothing confidential)."""
    group_ids = user.groups.values("pk")
    grants = (
        Grant.objects.active()
        .filter(record=OuterRef("pk"))
        .filter(Q(user=user) | Q(group__in=group_ids, record__access_level__in=GROUP_GRANTABLE))
    )
    return Q(Exists(grants))


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
