"""The REST API under /api/v1/ (docs/api.md): reads through archive.permissions, writes
through archive.services, tokens stored only as hashes."""
