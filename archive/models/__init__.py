"""The archive's models, one module per concern."""

from .access import AccessLevel, Grant
from .accounts import Invitation
from .attachments import Attachment
from .audit import AuditEntry
from .intake import FindingStatus, IdentifyingTerm, PiiFinding
from .records import IdentifierCounter, ImportWarning, Passage, Record, RecordKind, RecordState
from .search import IndexQueue
from .sources import Source
from .testimony import Testimony
from .versions import RecordVersion
from .vocabulary import Alias, Camp, ExternalIdentifier, Term, TermKind

__all__ = [
    "AccessLevel",
    "Attachment",
    "AuditEntry",
    "FindingStatus",
    "Grant",
    "IdentifyingTerm",
    "Alias",
    "Camp",
    "ExternalIdentifier",
    "IdentifierCounter",
    "IndexQueue",
    "Invitation",
    "ImportWarning",
    "Passage",
    "PiiFinding",
    "Record",
    "RecordKind",
    "RecordState",
    "RecordVersion",
    "Source",
    "Term",
    "TermKind",
    "Testimony",
]
