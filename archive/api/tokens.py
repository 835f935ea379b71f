"""Writes to API tokens: create and revoke, each audited (docs/api.md#tokens)."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from archive import permissions
from archive.api.models import ApiToken
from archive.models.audit import AuditAction
from archive.services import audit

SECRET_BYTES = 32


def digest_of(secret: str) -> str:
    # A fast hash is enough: the secret has 256 random bits, so there is nothing to brute-force
    # and no dictionary to slow down, unlike a password.
    return hashlib.sha256(secret.encode()).hexdigest()


def can_hold_tokens(user) -> bool:
    """Accounts that must prove a second factor hold no token (the 2FA rule of docs/api.md)."""
    return bool(user and user.is_authenticated and user.is_active) and not (
        permissions.needs_two_factor(user)
    )


@transaction.atomic
def token_create(*, user, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it and its secret, which is never stored or shown again."""
    if not can_hold_tokens(user):
        # SECURITY: a bearer token is one factor; archivist powers need TOTP at every sign-in.
        raise PermissionDenied("Accounts with two-factor sign-in use the browser session.")
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the token after the script that will use it."})
    limit = settings.API_TOKEN_MAX_DAYS
    days = limit if days is None else days
    if not 1 <= days <= limit:
        raise ValidationError({"days": f"Between 1 and {limit} days."})
    secret = secrets.token_urlsafe(SECRET_BYTES)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=secret[:8],
        digest=digest_of(secret),
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit.log(
        AuditAction.ACCOUNT_CHANGE,
        actor=user,
        target=("api_token", token.prefix),
        detail={"api_token": "created", "name": token.name, "expires_at": str(token.expires_at)},
    )
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken, by) -> None:
    """Revoke at once; the row stays, so the audit trail can still name the token."""
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.log(
        AuditAction.ACCOUNT_CHANGE,
        actor=by,
        target=("api_token", token.prefix),
        detail={"api_token": "revoked", "name": token.name},
    )
