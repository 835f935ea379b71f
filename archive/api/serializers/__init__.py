"""Serializers of the API: read shapes only; writes are validated here and done by services."""
