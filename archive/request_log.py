"""One JSON line per request, with nothing from its content: no testimony text, no search
query (the query string is never logged; queries belong in the audit log only), no user name.

SECURITY: server logs are copied, rotated and read far more widely than the audit log, so
they carry only what operating the server needs: method, path, status, time, the role and
the keyed hash of the client address the audit log also uses.
"""

import logging
import time

from archive import permissions
from archive.services import audit

logger = logging.getLogger("archive.requests")


def _client(request) -> str:
    origin = getattr(request, "audit_origin", None)  # set by AuditContextMiddleware
    return origin.ip_hash if origin is not None else audit.client_hash(audit.client_ip(request))


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        logger.info(
            "request",
            extra={
                "fields": {
                    "method": request.method,
                    # The path only: a search's words travel in the query string.
                    "path": request.path[:300],
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "role": permissions.role_of(user),
                    "client": _client(request),
                    "bytes": len(response.content) if not response.streaming else None,
                }
            },
        )
        return response
