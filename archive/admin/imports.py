"""The admin's Import records page: upload a file, preview every row without writing anything,
then confirm to import the very bytes that were previewed."""

import os
import re
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core import signing
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from archive import hashing
from archive.models import Record
from archive.services.imports import import_records

SALT = "archive.admin.imports"
SHA256 = re.compile(r"^[0-9a-f]{64}$")
TEMPLATE = "admin/archive/import.html"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "JSON Lines (.jsonl) or CSV (.csv), in UTF-8 (or UTF-16 with a byte order mark). "
            "Nothing is written until you confirm the preview."
        ),
    )


def import_view(request):
    _sweep()
    context = {
        **admin.site.each_context(request),
        "title": _("Import records"),
        "opts": Record._meta,
        "max_bytes": settings.ARCHIVE_IMPORT_MAX_BYTES,
        "max_rows": settings.ARCHIVE_IMPORT_MAX_ROWS,
    }
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request, context)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.ARCHIVE_IMPORT_MAX_BYTES:
            form.add_error(
                "file",
                _("The file has %(size)s bytes; at most %(max)s are taken. Split it.")
                % {"size": f"{upload.size:,}", "max": f"{settings.ARCHIVE_IMPORT_MAX_BYTES:,}"},
            )
        else:
            data = upload.read()
            report = import_records(data=data, name=upload.name, by=request.user, dry_run=True)
            context["report"] = report
            if report.ok and report.counts()["new"]:
                context["token"] = _keep(data, report.name, request.user)
    context["form"] = form
    return TemplateResponse(request, TEMPLATE, context)


def _confirm(request, context):
    context["form"] = UploadForm()
    try:
        ticket = signing.loads(
            request.POST["token"], salt=SALT, max_age=settings.ARCHIVE_IMPORT_PENDING_SECONDS
        )
    except signing.SignatureExpired:
        return _refused(request, context, _("This preview has expired."))
    except signing.BadSignature:
        return _refused(request, context, _("This confirmation is not valid."))
    digest = ticket.get("sha256", "")
    if ticket.get("user") != request.user.pk or not SHA256.match(digest):
        return _refused(request, context, _("This confirmation is not valid."))
    path = _pending_dir() / f"{digest}.upload"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return _refused(request, context, _("This preview has expired or was already imported."))
    if hashing.sha256_bytes(data) != digest:
        path.unlink(missing_ok=True)
        return _refused(request, context, _("The stored upload differs from what was previewed."))
    try:
        context["report"] = import_records(data=data, name=ticket["name"], by=request.user)
    finally:
        path.unlink(missing_ok=True)
    return TemplateResponse(request, TEMPLATE, context)


def _refused(request, context, reason):
    context["refused"] = _("%(reason)s Nothing was imported; upload the file again.") % {
        "reason": reason
    }
    return TemplateResponse(request, TEMPLATE, context, status=400)


# -- the upload between preview and confirmation -----------------------------------------------
# Kept on the server under its SHA-256, readable by this process only, never in the session:
# it holds testimony as the archivist uploaded it, identifying terms included. The signed
# token names the file, the archivist and the time, so it cannot be forged, handed to
# another account, or used after ARCHIVE_IMPORT_PENDING_SECONDS.


def _pending_dir() -> Path:
    path = Path(settings.ARCHIVE_IMPORT_PENDING_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _keep(data: bytes, name: str, user) -> str:
    digest = hashing.sha256_bytes(data)
    final = _pending_dir() / f"{digest}.upload"
    partial = final.with_suffix(f".{os.getpid()}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(partial, final)
    return signing.dumps({"sha256": digest, "name": name, "user": user.pk}, salt=SALT)


def _sweep() -> None:
    """Delete uploads whose preview has expired; every visit to the page does it."""
    cutoff = time.time() - settings.ARCHIVE_IMPORT_PENDING_SECONDS
    for path in _pending_dir().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            continue  # another request swept it first
