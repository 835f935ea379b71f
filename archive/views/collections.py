"""Collection pages: the list, a collection and its published versions, the editor, and
"add to collection" from record pages and search results. Every read starts from the policy
(archive.permissions); every write is a service call (archive.services.collections)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archive import citations, identifiers, markdown, permissions, selectors
from archive.forms import AddItemForm, AnnotationForm, CollectionForm, PublishForm, ShareForm
from archive.models import CollectionShare
from archive.services import collections as services
from archive.views.citations import site_base_url, today

ITEMS_PER_PAGE = 100


def _listed(user):
    return permissions.visible_collections(user).annotate(n_versions=Count("versions"))


@require_GET
def collection_list(request):
    context = {
        "collections": _listed(request.user).order_by("title"),
        "form": CollectionForm() if permissions.can_create_collection(request.user) else None,
    }
    return render(request, "archive/collection_list.html", context)


@login_required
@require_POST
def collection_new(request):
    form = CollectionForm(request.POST)
    if not permissions.can_create_collection(request.user):
        raise Http404("No such page.")
    if not form.is_valid():
        context = {"collections": _listed(request.user).order_by("title"), "form": form}
        return render(request, "archive/collection_list.html", context, status=400)
    collection = services.collection_create(by=request.user, **form.cleaned_data)
    return redirect("archive:collection-edit", slug=collection.slug)


@require_GET
def collection_detail(request, slug: str):
    """The newest published version; before the first one, editors see the draft."""
    collection = permissions.get_visible_collection_or_404(request.user, slug=slug)
    version = selectors.latest_version(collection)
    if version is None:
        return redirect("archive:collection-edit", slug=slug)
    return _render_version(request, collection, version)


@require_GET
def collection_version(request, slug: str, number: int):
    collection = permissions.get_visible_collection_or_404(request.user, slug=slug)
    version = get_object_or_404(collection.versions.defer("manifest"), number=number)
    return _render_version(request, collection, version)


def _render_version(request, collection, version):
    items = version.items.order_by("position")
    shown = permissions.visible_items(request.user, items).select_related(
        "record", "record_version"
    )
    page = Paginator(shown, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "collection": collection,
        "version": version,
        "description": markdown.render(version.description),
        "page": page,
        "entries": [_entry(item) for item in page],
        # SECURITY: only a count of what the reader may not see, never a title or id.
        "hidden": items.count() - page.paginator.count,
        "latest": selectors.latest_version(collection),
        "can_edit": permissions.can_edit_collection(request.user, collection),
        "citation": citations.collection_version_box(version, site_base_url(request), today()),
    }
    return render(request, "archive/collection_version.html", context)


def _entry(item) -> dict:
    snapshot = item.record_version.snapshot
    passage = None
    if item.passage_number is not None:
        passage = next(
            (p for p in snapshot.get("passages", []) if p["number"] == item.passage_number), None
        )
    anchor = f"#p{item.passage_number}" if item.passage_number else ""
    return {
        "item": item,
        "title": snapshot.get("title", ""),
        "public_id": snapshot.get("public_id", ""),
        "version": item.record_version,
        "passage": passage,
        "url": item.record_version.get_absolute_url() + anchor,
    }


# -- the editor ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def collection_edit(request, slug: str):
    collection = permissions.get_editable_collection_or_404(request.user, slug=slug)
    form = CollectionForm(request.POST or None, instance=collection)
    if request.method == "POST" and form.is_valid():
        services.collection_update(collection=collection, by=request.user, **form.cleaned_data)
        messages.success(request, "Saved.")
        return redirect("archive:collection-edit", slug=slug)
    items = collection.items.order_by("position")
    shown = permissions.visible_items(request.user, items).select_related("record")
    page = Paginator(shown, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "collection": collection,
        "form": form,
        "page": page,
        "items": [(item, AnnotationForm(initial={"annotation": item.annotation})) for item in page],
        "hidden": items.count() - page.paginator.count,
        # By name, so a share to an account and one to a name that is not yet look alike.
        "shares": sorted(collection.shares.select_related("user", "group"), key=_share_order),
        "share_form": ShareForm(),
        "publish_form": PublishForm(),
        "versions": collection.versions.defer("manifest").order_by("-number"),
        "description": markdown.render(collection.description),
    }
    return render(
        request, "archive/collection_edit.html", context, status=400 if form.errors else 200
    )


def _editable_item(request, slug: str, pk: int):
    collection = permissions.get_editable_collection_or_404(request.user, slug=slug)
    # SECURITY: an item whose record the editor may not see does not exist for them.
    items = permissions.visible_items(request.user, collection.items.all())
    return collection, get_object_or_404(items.select_related("record", "collection"), pk=pk)


@login_required
@require_POST
def collection_item(request, slug: str, pk: int):
    """One item: save its annotation, move it up or down, or remove it."""
    collection, item = _editable_item(request, slug, pk)
    action = request.POST.get("action")
    if action == "annotate":
        form = AnnotationForm(request.POST)
        if form.is_valid():
            services.collection_annotate_item(
                item=item, by=request.user, annotation=form.cleaned_data["annotation"]
            )
            messages.success(request, "Annotation saved.")
    elif action in ("up", "down"):
        services.collection_move_item(
            item=item, by=request.user, offset=-1 if action == "up" else 1
        )
    elif action == "remove":
        services.collection_remove_item(item=item, by=request.user)
        messages.success(request, "Item removed.")
    else:
        messages.error(request, "Unknown action.")
    return redirect(f"{collection.get_absolute_url()}edit/#item-{pk}")


def _share_order(share) -> tuple[str, str]:
    return share.label, share.role


@login_required
@require_POST
def collection_share(request, slug: str):
    collection = permissions.get_editable_collection_or_404(request.user, slug=slug)
    form = ShareForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.non_field_errors()) or "Check the share form.")
        return redirect("archive:collection-edit", slug=slug)
    data = form.cleaned_data
    share = services.collection_share(
        collection=collection,
        by=request.user,
        role=data["role"],
        username=data["username"],
        group_name=data["group"],
    )
    # SECURITY: the same answer whether or not the name is an account (docs/collections.md).
    messages.success(request, f"Shared with {share.label} ({share.get_role_display()}).")
    return redirect("archive:collection-edit", slug=slug)


@login_required
@require_POST
def collection_unshare(request, slug: str, pk: int):
    collection = permissions.get_editable_collection_or_404(request.user, slug=slug)
    share = get_object_or_404(CollectionShare, collection=collection, pk=pk)
    services.collection_unshare(share=share, by=request.user)
    messages.success(request, "No longer shared with them.")
    return redirect("archive:collection-edit", slug=slug)


@login_required
@require_POST
def collection_publish(request, slug: str):
    collection = permissions.get_editable_collection_or_404(request.user, slug=slug)
    form = PublishForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        version = services.collection_publish(collection=collection, by=request.user, note=note)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("archive:collection-edit", slug=slug)
    messages.success(request, f"Published version {version.number}.")
    return redirect(version.get_absolute_url())


@login_required
@require_POST
def collection_add(request):
    """ "Add to collection" from a record page or a search result."""
    form = AddItemForm(request.POST)
    if not form.is_valid():
        raise Http404("No such record or collection.")
    data = form.cleaned_data
    record = permissions.get_visible_record_or_404(
        request.user, public_id=identifiers.canonical(data["record"])
    )
    collection = permissions.get_editable_collection_or_404(request.user, slug=data["collection"])
    try:
        _, added = services.collection_add_item(
            collection=collection, record=record, by=request.user, passage_number=data["passage"]
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        what = f"{record.public_id} ¶{data['passage']}" if data["passage"] else record.public_id
        if added:
            messages.success(request, f"Added {what} to “{collection.title}”.")
        else:
            messages.info(request, f"{what} was already in “{collection.title}”; nothing changed.")
    target = data["next"]
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = record.get_absolute_url()
    return redirect(target)
