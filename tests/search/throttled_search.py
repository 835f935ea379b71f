"""Run as a separate process by test_bounds.py: ask /api/v1/search/ N times as one client and
print each answer's status and Retry-After, one per line."""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()

from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()
client = Client(REMOTE_ADDR="203.0.113.77")
for _ in range(int(sys.argv[1])):
    response = client.get("/api/v1/search/", {"q": "camp"})
    print(response.status_code, response.get("Retry-After", "-"), flush=True)
