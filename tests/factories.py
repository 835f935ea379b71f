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
