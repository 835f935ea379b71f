"""Test settings: the suite's database comes from DATABASE_URL, so CI can point it at PostgreSQL."""

from .dev import *  # noqa: F403

DEBUG = False
# Tests hash many passwords; Argon2/PBKDF2 cost is not what they measure.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
