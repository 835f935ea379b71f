"""CSRF checking that works under `Referrer-Policy: no-referrer`.

Under that policy browsers send `Origin: null` with same-origin form posts (Fetch spec,
"serializing a request origin"), and Django's CsrfViewMiddleware rejects a null origin.
Browsers also send `Sec-Fetch-Site`, a header no page can set or forge, which says whether
the request comes from our own origin. This middleware, placed just before Django's,
replaces a null origin by our own only when that header says `same-origin`; everything else,
the token check included, stays Django's.
"""


class NullOriginMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        if meta.get("HTTP_ORIGIN") == "null" and meta.get("HTTP_SEC_FETCH_SITE") == "same-origin":
            meta["HTTP_ORIGIN"] = f"{request.scheme}://{request.get_host()}"
        return self.get_response(request)
