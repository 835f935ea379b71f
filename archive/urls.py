"""Public URLs of the archive."""

from django.urls import path
from django.views.generic import RedirectView

from archive.views import records, search

app_name = "archive"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="archive:search"), name="home"),
    path("search/", search.search_page, name="search"),
    path("search/help/", search.search_help, name="search-help"),
    path("records/<str:public_id>/", records.record_detail, name="record"),
    path("api/v1/search/", search.search_api, name="api-search"),
    path(
        "api/v1/records/<str:public_id>/more-like-this/",
        records.more_like_this_api,
        name="api-more-like-this",
    ),
]
