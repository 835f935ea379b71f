"""Bearer-token authentication for scripts, and its description in the OpenAPI schema."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from archive.api.models import ApiToken
from archive.api.tokens import can_hold_tokens, digest_of


def _never_verified() -> bool:
    return False


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <secret>`; looks the token up by the SHA-256 of the secret."""

    keyword = "Bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].decode(errors="replace").lower() != self.keyword.lower():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send: Authorization: Bearer <token>.")
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        token = (
            ApiToken.objects.active().select_related("user").filter(digest=digest_of(secret))
        ).first()
        if token is None or not can_hold_tokens(token.user):
            # The same answer for unknown, expired, revoked, and for an account that became an
            # archivist after the token was made.
            raise exceptions.AuthenticationFailed("Invalid token.")
        user = token.user
        # SECURITY: the policy trusts users without `is_verified` (commands, the shell); a token
        # user must never count as having passed a second factor.
        user.is_verified = _never_verified
        return user, token

    def authenticate_header(self, request):
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "archive.api.authentication.BearerTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from POST /api/v1/tokens/ (signed in in the browser).",
        }
