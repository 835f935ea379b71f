"""Request rates (docs/api.md#throttling), read from REST_FRAMEWORK at every request so a
changed setting (or a test's override) takes effect without re-importing DRF.

Counters live in the "throttle" cache, on disk under the data directory, which every web
process shares: with a per-process cache each process kept its own count, and a client's
budget grew with the number of gunicorn workers."""

import math

from django.core.cache import caches
from rest_framework import throttling
from rest_framework.settings import api_settings

from archive.services.audit import client_ip


class _LiveRate:
    @property
    def cache(self):
        return caches["throttle"]

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        # SECURITY: DRF's own guess trusts a client-sent X-Forwarded-For, so anyone could
        # reset their anonymous budget per request; use the address the audit log and the
        # sign-in lockout use (CLIENT_IP_HEADER behind a proxy).
        return client_ip(request)


class AnonThrottle(_LiveRate, throttling.AnonRateThrottle):
    pass


class UserThrottle(_LiveRate, throttling.UserRateThrottle):
    pass


class TokenCreateThrottle(_LiveRate, throttling.UserRateThrottle):
    """Tighter: a stolen session should not be able to mint tokens in bulk."""

    scope = "token_create"


class SearchAnonThrottle(AnonThrottle):
    scope = "search_anon"


class SearchUserThrottle(UserThrottle):
    scope = "search_user"


def search_rate(scope: str) -> str:
    """A rate of REST_FRAMEWORK in words, for the query-syntax help: "60 times a minute"."""
    rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope)
    if not rate:
        return "no limit"
    number, period = rate.split("/")
    return f"{number} times a {PERIODS.get(period[0], period)}"


PERIODS = {"s": "second", "m": "minute", "h": "hour", "d": "day"}


def too_many_searches(wait: int) -> str:
    return f"Too many searches from your address: try again in {wait} seconds."


def search_wait(request) -> int | None:
    """Seconds before this client may search again, or None if it may search now. Every
    search-like view shares one budget per client: the search page, /api/v1/search/,
    more-like-this (API, and the record page's list) — plain Django views, outside DRF."""
    waits = [
        throttle.wait()
        for throttle in (SearchAnonThrottle(), SearchUserThrottle())
        if not throttle.allow_request(request, None)
    ]
    if not waits:
        return None
    return max(1, math.ceil(max(w or 1 for w in waits)))
