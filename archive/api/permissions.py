"""DRF permission classes; each asks archive.permissions, the one policy."""

from django.http import Http404
from rest_framework.permissions import SAFE_METHODS, BasePermission

from archive import permissions


class ArchivistOr404(BasePermission):
    """For endpoints whose existence is itself only for archivists (the audit log)."""

    def has_permission(self, request, view):
        if not permissions.is_archivist(request.user):
            # SECURITY: 404 like an unknown path, so the endpoint is not advertised to others.
            raise Http404
        return True


class SignedIn(BasePermission):
    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)


class ReadOrSignedIn(BasePermission):
    """Anyone may read (the policy narrows what they see); writes need an account."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return SignedIn().has_permission(request, view)
