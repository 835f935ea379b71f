"""API views: each read starts from archive.permissions, each write calls archive.services."""
