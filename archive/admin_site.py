"""The admin site: archivists only, decided by archive.permissions.

Outside the archive.admin package because INSTALLED_APPS loads it before any model exists.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class ArchiveAdminSite(admin.AdminSite):
    site_header = "Testimony Archive"
    site_title = "Testimony Archive"
    index_title = "Archive administration"

    def has_permission(self, request):
        from archive import permissions

        return permissions.can_use_admin(request.user)


class ArchiveAdminConfig(AdminConfig):
    default_site = "archive.admin_site.ArchiveAdminSite"
