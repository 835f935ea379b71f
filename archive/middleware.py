"""Request middleware of the archive."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse

from archive import permissions
from archive.services import audit

SIGNED_IN_AT = "archive_signed_in_at"


class AuditContextMiddleware:
    """Makes the request's origin (surface, path, client hash) available to audit entries
    written anywhere while the request is served."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit.request_origin(request):
            return self.get_response(request)


class SessionLifetimeMiddleware:
    """Ends a session SESSION_MAX_SECONDS after sign-in, however active it is (the idle
    limit is SESSION_COOKIE_AGE, renewed by every request)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(SIGNED_IN_AT)
            now = time.time()
            if started is None:
                request.session[SIGNED_IN_AT] = now
            elif now - started > settings.SESSION_MAX_SECONDS:
                logout(request)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class RequireTwoFactorMiddleware:
    """Archivists and superusers who signed in with a password only are sent to enter their
    second factor (or enrol one) before anything else. The policy also refuses them archivist
    rights until then (permissions.is_archivist); this makes the way there obvious."""

    ALLOWED = (
        "/accounts/login/",
        "/accounts/logout/",
        "/accounts/verify/",
        "/accounts/two-factor/",
        "/accounts/invitation/",
        "/static/",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and permissions.needs_two_factor(user)
            and not user.is_verified()
            and not request.path.startswith(self.ALLOWED)
        ):
            return redirect(f"{reverse('archive:verify')}?{urlencode({'next': request.path})}")
        return self.get_response(request)
