"""Small builders that go through the services, as the app itself does."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from archive.models import RecordKind
from archive.services.records import PassageInput, record_create


def make_record(*paragraphs: str, kind: str = RecordKind.ARTICLE_EXCERPT, **fields):
    fields.setdefault("title", "A record")
    fields.setdefault("language", "en")
    return record_create(kind=kind, passages=[PassageInput(p) for p in paragraphs], **fields)


def make_user(username: str, role: str | None = None, **fields):
    """A signed-in account; archivists are staff, as account creation makes them."""
    user = get_user_model().objects.create_user(
        username, password="a long test passphrase 42", is_staff=role == "archivist", **fields
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def enrol_totp(user):
    """A confirmed TOTP device with a known key; `totp_code(device)` gives its current code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def totp_code(device) -> str:
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def sign_in(client, user):
    """Sign a test client in as `user`, with a verified second factor where one is required
    (as after entering a code at /accounts/verify/)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from archive import permissions

    client.force_login(user)
    if permissions.needs_two_factor(user):
        device = enrol_totp(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def make_published_testimony(*passages, narrator: str, by, level: str = "public", **fields):
    """A published testimony with narrator details (public consent, so any level is allowed).
    `passages` are strings or PassageInput (for passage tags)."""
    from archive.models import Testimony
    from archive.services import intake

    fields.setdefault("title", f"Account by {narrator}")
    fields.setdefault("language", "en")
    record = record_create(
        kind=RecordKind.TESTIMONY,
        passages=[p if isinstance(p, PassageInput) else PassageInput(p) for p in passages],
        **fields,
    )
    Testimony.objects.create(
        record=record, narrator_pseudonym=narrator, relation="survivor", consent_scope="public"
    )
    record.access_level = level
    record.save(update_fields=["access_level"])
    intake.publish(record=record, by=by)
    return record
