"""Admin for archivists: records with passages, vocabulary with hierarchy and aliases."""

from . import (  # noqa: F401  (registers the model admins)
    access,
    accounts,
    attachments,
    audit,
    collections,
    intake,
    records,
    vocabulary,
)
