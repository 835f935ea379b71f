"""Sign-in with a second factor, two-factor enrolment, invitations and the account page."""

import segno
from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from archive import permissions
from archive.models.audit import AuditAction
from archive.services import accounts as account_services
from archive.services import audit


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Six-digit code from your authenticator app",
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _next_url(request, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


class LoginView(auth_views.LoginView):
    template_name = "archive/accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@never_cache
@login_required
def verify(request):
    """Second step of sign-in for accounts that need a second factor."""
    if not permissions.needs_two_factor(request.user) or request.user.is_verified():
        return HttpResponseRedirect(_next_url(request, reverse("archive:account")))
    device = account_services.confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse('archive:two-factor-setup')}?{request.GET.urlencode()}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = account_services.code_check(device=device, token=form.cleaned_data["token"])
        if check.ok:
            otp_login(request, device)
            return HttpResponseRedirect(_next_url(request, reverse("archive:account")))
        audit.log(
            AuditAction.LOGIN_FAILED,
            actor=request.user,
            target=request.user,
            detail={"second_factor": True, "throttled": bool(check.wait_seconds)},
        )
        form.add_error("token", _code_refused(check))
    return render(
        request,
        "archive/accounts/verify.html",
        {"form": form, "next": _next_url(request, "")},
    )


@never_cache
@login_required
def two_factor_setup(request):
    """Enrol an authenticator app: scan the code (or type the key), then confirm a code."""
    user = request.user
    if account_services.confirmed_device(user) is not None:
        if permissions.needs_two_factor(user) and not user.is_verified():
            return redirect(f"{reverse('archive:verify')}?{request.GET.urlencode()}")
        return redirect("archive:account")
    device = account_services.pending_device(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = account_services.confirm_device(device=device, token=form.cleaned_data["token"])
        if check.ok:
            otp_login(request, device)
            return HttpResponseRedirect(_next_url(request, reverse("archive:account")))
        form.add_error("token", _code_refused(check))
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "next": _next_url(request, ""),
        # Drawn here as SVG: the secret never leaves this server for a QR service.
        "qr_svg": mark_safe(qr.svg_inline(scale=5, dark="#111", light="#fff")),  # noqa: S308
        "secret": _grouped(_base32(device)),
    }
    return render(request, "archive/accounts/two_factor_setup.html", context)


def _code_refused(check) -> str:
    if check.wait_seconds:
        return ngettext(
            "This code was not checked: after a wrong code the archive waits before it "
            "checks another. Wait %(n)d second, then type the code the app shows.",
            "This code was not checked: after a wrong code the archive waits before it "
            "checks another. Wait %(n)d seconds, then type the code the app shows.",
            check.wait_seconds,
        ) % {"n": check.wait_seconds}
    return _(
        "That code is not the one the app shows now. Type the six digits shown under "
        "“Testimony Archive” in the app before they change."
    )


def _base32(device) -> str:
    from base64 import b32encode

    return b32encode(device.bin_key).decode().rstrip("=")


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def account(request):
    user = request.user
    context = {
        "role": permissions.role_of(user),
        "two_factor": account_services.confirmed_device(user) is not None,
        "needs_two_factor": permissions.needs_two_factor(user),
        "idle_minutes": settings.SESSION_COOKIE_AGE // 60,
        "max_hours": settings.SESSION_MAX_SECONDS // 3600,
    }
    return render(request, "archive/accounts/account.html", context)


@method_decorator(sensitive_post_parameters(), name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "archive/accounts/password_change.html"

    def get_success_url(self):
        return reverse("archive:account")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.log(
            AuditAction.ACCOUNT_CHANGE,
            actor=self.request.user,
            target=self.request.user,
            detail={"password": "changed"},
        )
        return response


@never_cache
@sensitive_post_parameters()
def accept_invitation(request, token: str):
    try:
        invitation = account_services.open_invitation(token)
    except account_services.InvitationInvalid:
        return render(request, "archive/accounts/invitation_invalid.html", status=404)
    form = SetPasswordForm(invitation.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.accept(token=token, password=form.cleaned_data["new_password1"])
        except account_services.InvitationInvalid:
            return render(request, "archive/accounts/invitation_invalid.html", status=404)
        return render(
            request, "archive/accounts/invitation_done.html", {"username": invitation.user}
        )
    return render(
        request,
        "archive/accounts/invitation.html",
        {"form": form, "username": invitation.user.get_username(), "role": invitation.role},
    )
