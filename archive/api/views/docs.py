"""The API's docs page: Swagger UI from our own static files, started by a static script,
so it runs under the CSP (no inline script or style, no other host)."""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET


@require_GET
def api_docs(request):
    return render(request, "api/docs.html", {"schema_url": reverse("api:schema")})
