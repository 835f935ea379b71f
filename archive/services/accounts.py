"""Accounts: invitations (there is no self-registration) and two-factor enrolment."""

import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from archive import permissions, roles
from archive.models.accounts import Invitation, token_digest
from archive.models.audit import AuditAction
from archive.services import audit


class InvitationInvalid(Exception):
    """Unknown, used or expired: the invitee sees one message for all three."""


@transaction.atomic
def invite(*, username: str, role: str, by, email: str = "") -> tuple[Invitation, str]:
    """Create an inactive account with a role and an invitation; returns the invitation and
    the one-time token for its link (only its digest is stored)."""
    permissions.require_archivist(by, "invite people")
    if role and role not in roles.ROLES:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    user = get_user_model()(username=username, email=email, is_active=False)
    user.is_staff = role == roles.ARCHIVIST
    user.set_unusable_password()
    user.full_clean()
    user.save()
    if role:
        user.groups.add(Group.objects.get(name=role))
    invitation, token = _new_invitation(user, role, by)
    audit.log(
        AuditAction.ACCOUNT_CHANGE,
        actor=by,
        target=user,
        detail={"invited": username, "role": role, "expires_at": invitation.expires_at.isoformat()},
    )
    return invitation, token


@transaction.atomic
def reissue(*, invitation: Invitation, by) -> tuple[Invitation, str]:
    """A new link (and a new expiry) for an invitation not yet accepted."""
    permissions.require_archivist(by, "invite people")
    if invitation.accepted_at:
        raise ValidationError("This invitation was already accepted.")
    user, role = invitation.user, invitation.role
    invitation.delete()
    invitation, token = _new_invitation(user, role, by)
    audit.log(
        AuditAction.ACCOUNT_CHANGE, actor=by, target=user, detail={"reinvited": user.username}
    )
    return invitation, token


def _new_invitation(user, role: str, by) -> tuple[Invitation, str]:
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user,
        role=role,
        token_digest=token_digest(token),
        created_by=by,
        expires_at=timezone.now() + timedelta(hours=settings.ACCOUNT_INVITATION_HOURS),
    )
    return invitation, token


def open_invitation(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("user").filter(token_digest=token_digest(token)).first()
    )
    if invitation is None or not invitation.usable:
        raise InvitationInvalid
    return invitation


@transaction.atomic
def accept(*, token: str, password: str):
    """Set the invitee's password and activate the account; the link then stops working."""
    invitation = open_invitation(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.usable:  # accepted by a concurrent request
        raise InvitationInvalid
    user = invitation.user
    validate_password(password, user)
    user.set_password(password)
    user.is_active = True
    user.save()
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit.log(AuditAction.ACCOUNT_CHANGE, actor=user, target=user, detail={"accepted": True})
    return user


# -- two factors ------------------------------------------------------------------------------


def pending_device(user) -> TOTPDevice:
    """The unconfirmed TOTP device being enrolled (made once, reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@dataclass(frozen=True)
class CodeCheck:
    """The answer to a six-digit code. `wait_seconds` > 0: the code was not checked at
    all, because a wrong code came moments before (django-otp waits 1, 2, 4 … seconds)."""

    ok: bool
    wait_seconds: int = 0


def code_check(*, device: TOTPDevice, token: str) -> CodeCheck:
    """Check a code from the authenticator app, telling a wrong code from one refused
    unchecked while the device waits after an earlier wrong one."""
    allowed, info = device.verify_is_allowed()
    if not allowed:
        left = (info["locked_until"] - timezone.now()).total_seconds()
        return CodeCheck(ok=False, wait_seconds=max(1, math.ceil(left)))
    return CodeCheck(ok=device.verify_token(token.strip()))


@transaction.atomic
def confirm_device(*, device: TOTPDevice, token: str) -> CodeCheck:
    """Confirm an enrolment with a first code from the app."""
    check = code_check(device=device, token=token)
    if not check.ok:
        return check
    device.confirmed = True
    device.save()
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    audit.log(
        AuditAction.ACCOUNT_CHANGE,
        actor=device.user,
        target=device.user,
        detail={"two_factor": "enrolled"},
    )
    return check
