"""/healthz: is the database reachable, is the index worker alive and keeping up, is there disk
left. Anyone gets "ok" or "degraded" (200 or 503) and nothing more; the figures behind it
(queue length and age, the worker's last heartbeat, free disk) are for a monitor on the local
network or one holding HEALTH_TOKEN, since they tell an attacker when edits are being made
and when the archive is struggling."""

import hmac
import ipaddress
import shutil

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from archive.models import IndexQueue
from archive.search import heartbeat
from archive.services.audit import client_ip

# Set by a reverse proxy: a request carrying one came from elsewhere, whatever the socket says.
_FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


@never_cache
@require_GET
def healthz(request):
    problems = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except DatabaseError:
        database = "unreachable"
        problems.append("database")
    queue = {"length": None, "oldest_seconds": None}
    if database == "ok":
        oldest = IndexQueue.objects.order_by("created_at").values_list("created_at", flat=True)
        first = oldest.first()
        queue["length"] = IndexQueue.objects.count()
        if first is not None:
            queue["oldest_seconds"] = round((timezone.now() - first).total_seconds())
            if queue["oldest_seconds"] > settings.HEALTH_MAX_INDEX_LAG_SECONDS:
                problems.append("index worker lagging")
    silent = heartbeat.age_seconds()
    if silent is None or silent > settings.HEALTH_MAX_WORKER_SILENCE_SECONDS:
        problems.append("index worker not running")
    free = shutil.disk_usage(settings.DATA_DIR).free
    if free < settings.HEALTH_MIN_FREE_BYTES:
        problems.append("disk nearly full")
    status = 200 if not problems else 503
    body = {"status": "ok" if not problems else "degraded"}
    if _may_see_detail(request):
        body.update(
            problems=problems,
            database=database,
            index_queue=queue,
            index_worker={"heartbeat_seconds": None if silent is None else round(silent)},
            disk_free_bytes=free,
        )
    return JsonResponse(body, status=status)


def _may_see_detail(request) -> bool:
    token = settings.HEALTH_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    if not settings.CLIENT_IP_HEADER and any(h in request.META for h in _FORWARDING_HEADERS):
        # Behind a proxy that nobody named, the socket's address is the proxy's own.
        return False
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net) for net in settings.HEALTH_DETAIL_NETWORKS)
