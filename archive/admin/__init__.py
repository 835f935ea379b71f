"""Admin for archivists: records with passages, vocabulary with hierarchy and aliases."""

from . import access, accounts, attachments, audit, intake, records, vocabulary  # noqa: F401  (registers the model admins)
