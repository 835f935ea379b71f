"""Root URL configuration."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Testimony Archive"
admin.site.site_title = "Testimony Archive"
admin.site.index_title = "Archive administration"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("archive.urls")),
]
