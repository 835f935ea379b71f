"""The one policy that decides who may see what. Every surface asks it: pages, search, API,
exports, collections and the admin.

Until the access-control work lands, the rule is: staff see every record; everyone else sees
published records only. The search index carries the tokens this module hands out, so the
engine query enforces the same rule (see `index_tokens` and `search_tokens`).
"""

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from archive.models import Record, RecordState

EVERYTHING = None  # search_tokens() result meaning "no restriction"


def sees_everything(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def visible_records(user) -> QuerySet[Record]:
    """Records this user may see; every list, search, export and API read starts here."""
    records = Record.objects.all()
    if sees_everything(user):
        return records
    return records.filter(state=RecordState.PUBLISHED)


def can_view_record(user, record: Record) -> bool:
    return sees_everything(user) or record.state == RecordState.PUBLISHED


def get_visible_record_or_404(user, **lookup) -> Record:
    """Fetch a record the user may see; a hidden record is indistinguishable from a missing one."""
    record = visible_records(user).filter(**lookup).first()
    if record is None:
        # SECURITY: 404, never 403, so nobody can probe which identifiers exist.
        raise Http404("No such record.")
    return record


def index_tokens(record: Record) -> list[str]:
    """Access tokens stored with a record's index documents."""
    return ["published"] if record.state == RecordState.PUBLISHED else ["unpublished"]


def search_tokens(user: AnonymousUser) -> list[str] | None:
    """Tokens a user's searches are restricted to (any one suffices); None means no limit."""
    if sees_everything(user):
        return EVERYTHING
    return ["published"]
