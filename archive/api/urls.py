"""URLs of the REST API, mounted at /api/v1/ after the two JSON endpoints of archive/urls.py
(search and more-like-this), which they leave as they are."""

from django.urls import path

from archive.api.views import audit, collections, docs, records, schema, terms, tokens

app_name = "api"

urlpatterns = [
    path("records/", records.RecordList.as_view(), name="record-list"),
    path("records/<record_id:public_id>/", records.RecordDetail.as_view(), name="record-detail"),
    path(
        "records/<record_id:public_id>/versions/<int:number>/",
        records.RecordVersionDetail.as_view(),
        name="record-version",
    ),
    path("terms/", terms.TermList.as_view(), name="term-list"),
    path("terms/<slug:slug>/", terms.TermDetail.as_view(), name="term-detail"),
    path("collections/", collections.CollectionList.as_view(), name="collection-list"),
    path(
        "collections/<slug:slug>/",
        collections.CollectionDetail.as_view(),
        name="collection-detail",
    ),
    path(
        "collections/<slug:slug>/items/",
        collections.CollectionItems.as_view(),
        name="collection-items",
    ),
    path(
        "collections/<slug:slug>/items/<int:pk>/",
        collections.CollectionItemDetail.as_view(),
        name="collection-item",
    ),
    path(
        "collections/<slug:slug>/items/<int:pk>/move/",
        collections.CollectionItemMove.as_view(),
        name="collection-item-move",
    ),
    path(
        "collections/<slug:slug>/publish/",
        collections.CollectionPublish.as_view(),
        name="collection-publish",
    ),
    path(
        "collections/<slug:slug>/versions/",
        collections.CollectionVersions.as_view(),
        name="collection-versions",
    ),
    path(
        "collections/<slug:slug>/versions/<int:number>/",
        collections.CollectionVersionDetail.as_view(),
        name="collection-version",
    ),
    path(
        "collections/<slug:slug>/versions/<int:number>/items/",
        collections.CollectionVersionItems.as_view(),
        name="collection-version-items",
    ),
    path("audit/", audit.AuditLog.as_view(), name="audit"),
    path("tokens/", tokens.TokenList.as_view(), name="token-list"),
    path("tokens/<int:pk>/", tokens.TokenDetail.as_view(), name="token-detail"),
    path("schema/", schema.SchemaView.as_view(), name="schema"),
    path("docs/", docs.api_docs, name="docs"),
]
