"""Signal receivers of the archive outside search: sign-in auditing and role permissions."""

import time

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_migrate

from archive.models.audit import AuditAction
from archive.services import audit


def _logged_in(sender, request, user, **kwargs):
    from archive.middleware import SIGNED_IN_AT

    if request is not None and hasattr(request, "session"):
        # A new sign-in starts a new maximum session lifetime (SessionLifetimeMiddleware).
        request.session[SIGNED_IN_AT] = time.time()
    audit.log(AuditAction.LOGIN, actor=user, target=user, request=request)


def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.log(AuditAction.LOGOUT, actor=user, target=user, request=request)


def _login_failed(sender, credentials, request=None, **kwargs):
    # Only the username tried is kept: never the password, which Django already masks.
    username = str(credentials.get("username", ""))[:150]
    audit.log(AuditAction.LOGIN_FAILED, detail={"username": username}, request=request)


def _locked_out(sender, request, username, ip_address, **kwargs):
    # django-axes hands over the raw address; only the request's keyed hash is kept.
    audit.log(AuditAction.LOCKED_OUT, detail={"username": str(username)[:150]}, request=request)


def _sync_roles(sender, **kwargs):
    from archive.roles import sync_role_permissions

    if sender.name == "archive":
        sync_role_permissions()


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="archive.audit.login")
    user_logged_out.connect(_logged_out, dispatch_uid="archive.audit.logout")
    user_login_failed.connect(_login_failed, dispatch_uid="archive.audit.login_failed")
    post_migrate.connect(_sync_roles, dispatch_uid="archive.roles.sync")
    from axes.signals import user_locked_out

    user_locked_out.connect(_locked_out, dispatch_uid="archive.audit.locked_out")
