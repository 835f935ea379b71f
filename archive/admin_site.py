"""The admin site: archivists only, decided by archive.permissions.

Outside the archive.admin package because INSTALLED_APPS loads it before any model exists.
"""

from functools import update_wrapper

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class ArchiveAdminSite(admin.AdminSite):
    site_header = "Testimony Archive"
    site_title = "Testimony Archive"
    index_title = "Archive administration"

    def login(self, request, extra_context=None):
        """One sign-in for the whole archive, with its second factor: the app's. A signed-in
        account that is not an archivist gets a 404: the admin does not exist for it."""
        from django.contrib.auth.views import redirect_to_login
        from django.http import Http404
        from django.urls import reverse

        if request.user.is_authenticated:
            raise Http404("No such page.")
        return redirect_to_login(
            request.GET.get("next") or reverse("admin:index"), reverse("archive:login")
        )

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def guarded(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                from django.http import Http404

                raise Http404("No such page.")
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, inner)

    def get_urls(self):
        from django.urls import path

        from archive.admin.imports import import_view

        return [
            path("archive/import/", self.admin_view(import_view), name="archive_import"),
            *super().get_urls(),
        ]

    def has_permission(self, request):
        from archive import permissions

        return permissions.can_use_admin(request.user)


class ArchiveAdminConfig(AdminConfig):
    default_site = "archive.admin_site.ArchiveAdminSite"
