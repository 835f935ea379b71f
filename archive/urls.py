"""Public URLs of the archive."""

from django.urls import path
from django.views.generic import RedirectView

from archive import citation_urls
from archive.views import accounts, records, search

app_name = "archive"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="archive:search"), name="home"),
    path("search/", search.search_page, name="search"),
    path("search/help/", search.search_help, name="search-help"),
    path("records/<str:public_id>/", records.record_detail, name="record"),
    path("records/<str:public_id>/v/<int:number>/", records.record_version, name="record-version"),
    path(
        "records/<str:public_id>/v/<int:number>/diff/<int:other>/",
        records.record_version_diff,
        name="record-version-diff",
    ),
    path(
        "records/<str:public_id>/images/<int:number>/",
        records.attachment_file,
        name="attachment",
    ),
    path(
        "records/<str:public_id>/images/<int:number>/thumbnail/",
        records.attachment_file,
        {"thumbnail": True},
        name="attachment-thumbnail",
    ),
    path("api/v1/search/", search.search_api, name="api-search"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
    path("accounts/verify/", accounts.verify, name="verify"),
    path("accounts/two-factor/", accounts.two_factor_setup, name="two-factor-setup"),
    path("accounts/password/", accounts.PasswordChangeView.as_view(), name="password-change"),
    path("accounts/invitation/<str:token>/", accounts.accept_invitation, name="invitation"),
    path("accounts/", accounts.account, name="account"),
    path(
        "api/v1/records/<str:public_id>/more-like-this/",
        records.more_like_this_api,
        name="api-more-like-this",
    ),
    *citation_urls.urlpatterns,
]
