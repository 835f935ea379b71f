"""Public URLs of the archive."""

from django.urls import path

from archive import citation_urls
from archive.views import accounts, camps, collections, health, pages, records, search, terms

app_name = "archive"

urlpatterns = [
    path("", pages.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("about/", pages.about, name="about"),
    path("favicon.ico", pages.favicon, name="favicon"),
    path("terms/<slug:slug>/", terms.term_detail, name="term"),
    path("camps/map/", camps.camp_map_page, name="camp-map"),
    path("camps/<slug:slug>/", camps.camp_detail, name="camp"),
    path("corroboration/", terms.corroboration, name="corroboration"),
    path("search/", search.search_page, name="search"),
    path("search/help/", search.search_help, name="search-help"),
    path("records/<record_id:public_id>/", records.record_detail, name="record"),
    path(
        "records/<record_id:public_id>/v/<int:number>/",
        records.record_version,
        name="record-version",
    ),
    path(
        "records/<record_id:public_id>/v/<int:number>/diff/<int:other>/",
        records.record_version_diff,
        name="record-version-diff",
    ),
    path(
        "records/<record_id:public_id>/images/<int:number>/",
        records.attachment_file,
        name="attachment",
    ),
    path(
        "records/<record_id:public_id>/images/<int:number>/thumbnail/",
        records.attachment_file,
        {"thumbnail": True},
        name="attachment-thumbnail",
    ),
    path("collections/", collections.collection_list, name="collections"),
    path("collections/new/", collections.collection_new, name="collection-new"),
    path("collections/add/", collections.collection_add, name="collection-add"),
    path("collections/<slug:slug>/", collections.collection_detail, name="collection"),
    path(
        "collections/<slug:slug>/v/<int:number>/",
        collections.collection_version,
        name="collection-version",
    ),
    path("collections/<slug:slug>/edit/", collections.collection_edit, name="collection-edit"),
    path(
        "collections/<slug:slug>/items/<int:pk>/",
        collections.collection_item,
        name="collection-item",
    ),
    path("collections/<slug:slug>/shares/", collections.collection_share, name="collection-share"),
    path(
        "collections/<slug:slug>/shares/<int:pk>/remove/",
        collections.collection_unshare,
        name="collection-unshare",
    ),
    path(
        "collections/<slug:slug>/publish/",
        collections.collection_publish,
        name="collection-publish",
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
        "api/v1/records/<record_id:public_id>/more-like-this/",
        records.more_like_this_api,
        name="api-more-like-this",
    ),
    *citation_urls.urlpatterns,
]
