"""/healthz: is the database reachable, is the index worker keeping up, is there disk left.
Numbers about the machine only: no record, no count of records, nothing an attacker could
use to learn what the archive holds."""

import shutil

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from archive.models import IndexQueue


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
    free = shutil.disk_usage(settings.DATA_DIR).free
    if free < settings.HEALTH_MIN_FREE_BYTES:
        problems.append("disk nearly full")
    body = {
        "status": "ok" if not problems else "degraded",
        "problems": problems,
        "database": database,
        "index_queue": queue,
        "disk_free_bytes": free,
    }
    return JsonResponse(body, status=200 if not problems else 503)
