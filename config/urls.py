"""Root URL configuration."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("archive.urls")),
    # After archive.urls, whose api/v1/search/ and more-like-this JSON views stay as they are.
    path("api/v1/", include("archive.api.urls")),
]
