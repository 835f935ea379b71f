"""Collections: read by readers (visible_collections), changed by their editors
(editable_collections) through archive/services/collections.py only."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from archive import identifiers, permissions
from archive.api.pagination import ItemPagination
from archive.api.serializers.collections import (
    CollectionSerializer,
    CollectionVersionSerializer,
    CollectionWriteSerializer,
    DraftItemSerializer,
    ItemAddSerializer,
    ItemChangeSerializer,
    ItemMoveSerializer,
    PublishSerializer,
    VersionItemSerializer,
)
from archive.services import collections as service


def _editable(request, slug):
    """The collection if the caller may edit it; 404 otherwise, as the editor pages answer."""
    return permissions.get_editable_collection_or_404(request.user, slug=slug)


def _item_or_404(request, collection, pk):
    items = permissions.visible_items(request.user, collection.items.all())
    item = items.select_related("record", "collection").filter(pk=pk).first()
    if item is None:
        # SECURITY: an item whose record the editor may not see does not exist for them.
        raise Http404("No such item.")
    return item


def _detail(request, collection, code=status.HTTP_200_OK):
    data = CollectionSerializer(collection, context={"request": request}).data
    return Response(data, status=code)


class CollectionList(generics.ListCreateAPIView):
    """Collections you may open: public ones with a published version, those shared with you
    or granted to you, and those you edit (drafts included)."""

    serializer_class = CollectionSerializer

    def get_queryset(self):
        collections = permissions.visible_collections(self.request.user)
        return collections.order_by("title", "slug").prefetch_related("versions")

    @extend_schema(request=CollectionWriteSerializer, responses={201: CollectionSerializer})
    def post(self, request):
        """Create a collection (archivists, lawyers, researchers); you become its curator."""
        form = CollectionWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        collection = service.collection_create(by=request.user, **form.validated_data)
        return _detail(request, collection, status.HTTP_201_CREATED)


class CollectionDetail(APIView):
    serializer_class = CollectionSerializer

    def get(self, request, slug):
        return _detail(request, permissions.get_visible_collection_or_404(request.user, slug=slug))

    @extend_schema(request=CollectionWriteSerializer, responses=CollectionSerializer)
    def put(self, request, slug):
        return self._update(request, slug, partial=False)

    @extend_schema(request=CollectionWriteSerializer, responses=CollectionSerializer)
    def patch(self, request, slug):
        return self._update(request, slug, partial=True)

    def _update(self, request, slug, partial):
        collection = _editable(request, slug)
        form = CollectionWriteSerializer(data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        service.collection_update(collection=collection, by=request.user, **form.validated_data)
        return _detail(request, collection)

    @extend_schema(responses={204: None})
    def delete(self, request, slug):
        """Delete a collection that was never published (a published one is cited)."""
        service.collection_delete(collection=_editable(request, slug), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CollectionItems(APIView):
    """The working draft's items, for its editors: items whose records you may not see are
    only counted (`hidden_items`)."""

    serializer_class = DraftItemSerializer

    @extend_schema(responses=DraftItemSerializer(many=True))
    def get(self, request, slug):
        collection = _editable(request, slug)
        return _items_page(request, self, collection.items.all(), DraftItemSerializer)

    @extend_schema(
        request=ItemAddSerializer, responses={201: DraftItemSerializer, 200: DraftItemSerializer}
    )
    def post(self, request, slug):
        """Add a record or one ¶ at the end; adding an item already there returns it."""
        collection = _editable(request, slug)
        form = ItemAddSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        record = (
            permissions.visible_records(request.user)
            .filter(public_id=identifiers.canonical(form.validated_data["record"]))
            .first()
        )
        if record is None:
            # SECURITY: the same answer for a hidden record and a missing one.
            return Response({"record": ["No such record."]}, status=status.HTTP_400_BAD_REQUEST)
        item, added = service.collection_add_item(
            collection=collection,
            record=record,
            by=request.user,
            passage_number=form.validated_data.get("passage"),
            annotation=form.validated_data["annotation"],
        )
        data = DraftItemSerializer(item, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED if added else status.HTTP_200_OK)


class CollectionItemDetail(APIView):
    serializer_class = DraftItemSerializer

    @extend_schema(request=ItemChangeSerializer, responses=DraftItemSerializer)
    def patch(self, request, slug, pk):
        """Change an item's annotation."""
        item = _item_or_404(request, _editable(request, slug), pk)
        form = ItemChangeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        service.collection_annotate_item(
            item=item, by=request.user, annotation=form.validated_data["annotation"]
        )
        return Response(DraftItemSerializer(item, context={"request": request}).data)

    @extend_schema(responses={204: None})
    def delete(self, request, slug, pk):
        item = _item_or_404(request, _editable(request, slug), pk)
        service.collection_remove_item(item=item, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CollectionItemMove(APIView):
    serializer_class = DraftItemSerializer

    @extend_schema(request=ItemMoveSerializer, responses=DraftItemSerializer)
    def post(self, request, slug, pk):
        """Move an item up (negative offset) or down (positive) among the items."""
        item = _item_or_404(request, _editable(request, slug), pk)
        form = ItemMoveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        service.collection_move_item(item=item, by=request.user, **form.validated_data)
        item.refresh_from_db()
        return Response(DraftItemSerializer(item, context={"request": request}).data)


class CollectionPublish(APIView):
    serializer_class = CollectionVersionSerializer

    @extend_schema(request=PublishSerializer, responses={201: CollectionVersionSerializer})
    def post(self, request, slug):
        """Freeze the draft as the next numbered version."""
        collection = _editable(request, slug)
        form = PublishSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        version = service.collection_publish(
            collection=collection, by=request.user, note=form.validated_data["note"]
        )
        data = _version_data(request, [version])[0]
        return Response(data, status=status.HTTP_201_CREATED)


class CollectionVersions(APIView):
    serializer_class = CollectionVersionSerializer

    @extend_schema(responses=CollectionVersionSerializer(many=True))
    def get(self, request, slug):
        """Published versions, oldest first, with how many items you may see and how many not."""
        collection = permissions.get_visible_collection_or_404(request.user, slug=slug)
        versions = list(collection.versions.select_related("collection").order_by("number"))
        return Response(_version_data(request, versions))


class CollectionVersionDetail(APIView):
    serializer_class = CollectionVersionSerializer

    def get(self, request, slug, number):
        return Response(_version_data(request, [_version_or_404(request, slug, number)])[0])


class CollectionVersionItems(APIView):
    """The items of a published version, each pinned to its record version; items you may not
    see are only counted (`hidden_items`)."""

    serializer_class = VersionItemSerializer

    @extend_schema(responses=VersionItemSerializer(many=True))
    def get(self, request, slug, number):
        version = _version_or_404(request, slug, number)
        items = version.items.select_related("record_version")
        return _items_page(request, self, items, VersionItemSerializer)


def _version_or_404(request, slug, number):
    collection = permissions.get_visible_collection_or_404(request.user, slug=slug)
    version = collection.versions.select_related("collection").filter(number=number).first()
    if version is None:
        raise Http404("No such version.")
    return version


def _version_data(request, versions):
    counts = {}
    for version in versions:
        total = version.items.count()
        shown = permissions.visible_items(request.user, version.items.all()).count()
        counts[version.pk] = (shown, total - shown)
    context = {"request": request, "item_counts": counts}
    return CollectionVersionSerializer(versions, many=True, context=context).data


def _items_page(request, view, items, serializer_class):
    total = items.count()
    shown = permissions.visible_items(request.user, items).select_related("record")
    shown = shown.order_by("position")
    paginator = ItemPagination()
    page = paginator.paginate_items(shown, total - shown.count(), request, view)
    data = serializer_class(page, many=True, context={"request": request}).data
    return paginator.get_paginated_response(data)
