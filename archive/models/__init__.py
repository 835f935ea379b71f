"""The archive's models, one module per concern."""

from .access import AccessLevel, Grant
from .accounts import Invitation
from .attachments import Attachment
from .audit import AuditEntry
from .collections import (
    Collection,
    CollectionItem,
    CollectionShare,
    CollectionVersion,
    CollectionVersionItem,
    ShareRole,
    Visibility,
)
from .intake import FindingStatus, IdentifyingTerm, PiiFinding
from .records import (
    IdentifierCounter,
    ImportWarning,
    IssuedIdentifier,
    Passage,
    Record,
    RecordKind,
    RecordState,
)
from .search import IndexQueue
from .sources import Source
from .testimony import Testimony
from .versions import RecordVersion
from .vocabulary import Alias, Camp, ExternalIdentifier, SecurityTier, Term, TermKind

__all__ = [
    "AccessLevel",
    "Attachment",
    "AuditEntry",
    "Collection",
    "CollectionItem",
    "CollectionShare",
    "CollectionVersion",
    "CollectionVersionItem",
    "FindingStatus",
    "Grant",
    "IdentifyingTerm",
    "Alias",
    "Camp",
    "ExternalIdentifier",
    "IdentifierCounter",
    "IssuedIdentifier",
    "IndexQueue",
    "Invitation",
    "ImportWarning",
    "Passage",
    "PiiFinding",
    "Record",
    "RecordKind",
    "RecordState",
    "RecordVersion",
    "SecurityTier",
    "ShareRole",
    "Source",
    "Term",
    "TermKind",
    "Testimony",
    "Visibility",
]
