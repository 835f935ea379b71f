"""URLs of citations and exports (archive/views/citations.py, archive/views/exports.py)."""

urlpatterns: list = []
