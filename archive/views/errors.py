"""Error pages that say what to do and reveal nothing about the archive or the request."""

from django.shortcuts import render


def csrf_failure(request, reason=""):
    # The reason (which header or token failed) is for the log, never for the page.
    return render(request, "403_csrf.html", status=403)
