"""URLs of citations and exports (archive/views/citations.py, archive/views/exports.py)."""

from django.urls import path

from archive.views import citations, exports

urlpatterns: list = [
    path("records/<record_id:public_id>/cite", citations.record_cite, name="record-cite"),
    path(
        "records/<record_id:public_id>/v/<int:number>/cite",
        citations.record_cite,
        name="record-version-cite",
    ),
    path(
        "records/<record_id:public_id>/v/<int:number>/p/<int:passage>/cite",
        citations.record_cite,
        name="record-passage-cite",
    ),
    path("collections/<slug:slug>/cite", citations.collection_cite, name="collection-cite"),
    path(
        "collections/<slug:slug>/v/<int:number>/cite",
        citations.collection_cite,
        name="collection-version-cite",
    ),
    path(
        "collections/<slug:slug>/v/<int:number>/export.zip",
        exports.collection_version_export,
        name="collection-version-export",
    ),
]
