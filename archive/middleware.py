"""Request middleware of the archive."""

from archive.services import audit


class AuditContextMiddleware:
    """Makes the request's origin (surface, path, client hash) available to audit entries
    written anywhere while the request is served."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit.request_origin(request):
            return self.get_response(request)
