"""gunicorn settings for `make serve` and the systemd unit (docs/deploy.md); each can be
overridden from the environment."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Searching is CPU work in Python, so processes, not threads, use the cores: one more process
# than cores keeps both busy while one waits on the database. Each thread of a process would
# also open its own copy of the index's readers; bench/load.py measured 3 processes x 4
# threads at 100,000 passages at 5.6 GB per process and 9.6 searches/s, and 3 x 1 thread at
# 1.7 GB and 12.9/s (docs/BENCHMARKS.md).
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Imports and large exports take longer than the default 30 s.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "180"))
graceful_timeout = 30
# The application logs one JSON line per request without query strings
# (archive/request_log.py); gunicorn's access log would write the search words.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    # A search allocates many short-lived containers, and the index caches hold millions of
    # long-lived ones; with Python's default thresholds, collections took about 9 % of a
    # search process's time at 100,000 passages (docs/BENCHMARKS.md, "Load").
    import gc

    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
