"""Request rates (docs/api.md#throttling), read from REST_FRAMEWORK at every request so a
changed setting (or a test's override) takes effect without re-importing DRF."""

from rest_framework import throttling
from rest_framework.settings import api_settings

from archive.services.audit import client_ip


class _LiveRate:
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
