"""gunicorn settings for `make serve` and the systemd unit (docs/deploy.md); each can be
overridden from the environment."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Two cores: a few processes with threads keep the CPU busy while others wait on the database.
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Imports and large exports take longer than the default 30 s.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "180"))
graceful_timeout = 30
# The application logs one JSON line per request without query strings
# (archive/request_log.py); gunicorn's access log would write the search words.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
