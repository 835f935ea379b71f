"""Every audited action writes its entry; nobody can change or delete one."""

import csv
import io

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import Client

from archive import roles
from archive.models import AuditEntry
from archive.models.audit import AppendOnlyError
from archive.services import access as access_services
from archive.services.records import record_update
from tests.factories import make_user, sign_in
from tests.search.helpers import indexed_record

pytestmark = pytest.mark.django_db


def entries(action, **filters):
    return list(AuditEntry.objects.filter(action=action, **filters).order_by("id"))


@pytest.fixture
def boss():
    return make_user("boss", roles.ARCHIVIST)


@pytest.fixture
def lawyer():
    return make_user("counsel", roles.LAWYER)


def test_views_of_sensitive_records_are_recorded_with_who_and_where_from(boss, lawyer):
    secret = indexed_record("A restricted account.", access_level="restricted")
    open_one = indexed_record("A public excerpt.", access_level="public")
    client = Client(REMOTE_ADDR="203.0.113.9")
    client.force_login(lawyer)
    assert client.get(secret.get_absolute_url()).status_code == 200
    assert client.get(open_one.get_absolute_url()).status_code == 200
    [entry] = entries("record.view")
    assert (entry.actor, entry.actor_label, entry.target_id) == (
        lawyer,
        "counsel",
        secret.public_id,
    )
    assert entry.channel == "web" and entry.path == secret.get_absolute_url()
    assert entry.detail["access_level"] == "restricted"
    # The address is kept only as a keyed hash: stable, but not the address itself.
    assert entry.ip_hash and "203.0.113.9" not in entry.ip_hash
    client.get(secret.get_absolute_url())
    assert entries("record.view")[-1].ip_hash == entry.ip_hash


def test_searches_by_signed_in_users_are_recorded_with_query_and_filters(lawyer):
    secret = indexed_record("The quillonbrook detention yard.", access_level="restricted")
    client = Client()
    client.get("/search/", {"q": "quillonbrook"})  # anonymous: not recorded
    assert entries("search") == []
    client.force_login(lawyer)
    client.get("/search/", {"q": "quillonbrook", "kind": "article_excerpt"})
    client.get("/api/v1/search/", {"q": "quillonbrook yard"})
    web, api = entries("search")
    assert web.detail["q"] == "quillonbrook"
    assert web.detail["filters"] == {"kind": ["article_excerpt"]}
    assert web.detail["sensitive_shown"] == [{"record": secret.public_id, "passages": [1]}]
    assert (web.channel, api.channel, api.detail["q"]) == ("web", "api", "quillonbrook yard")


def test_sign_ins_successful_and_failed_are_recorded():
    make_user("mira", roles.ARCHIVIST)
    client = Client()
    client.post("/accounts/login/", {"username": "mira", "password": "wrong password here"})
    client.post("/accounts/login/", {"username": "mira", "password": "a long test passphrase 42"})
    [failed] = entries("auth.login_failed")
    assert failed.detail == {"username": "mira"} and failed.actor is None
    assert "wrong" not in str(failed.detail)
    [ok] = entries("auth.login")
    assert ok.actor_label == "mira"


def test_grant_changes_publish_withdraw_and_edits_are_recorded(boss, lawyer):
    record = indexed_record("Draft text.", state="draft", access_level="confidential")
    grant = access_services.grant_create(record=record, user=lawyer, reason="case 12", by=boss)
    access_services.grant_revoke(grant=grant, by=boss, reason="case closed")
    record_update(record=record, state="published", by=boss, note="reviewed")
    record_update(record=record, title="A better title", by=boss, note="clearer title")
    access_services.record_set_access(
        record=record, access_level="restricted", by=boss, note="narrower consent"
    )
    record_update(record=record, state="withdrawn", by=boss, note="consent withdrawn")
    actions = [
        e.action for e in AuditEntry.objects.filter(target_id=record.public_id).order_by("id")
    ]
    # Each change is followed by the hashes of the version it made.
    assert actions == [
        "record.create",
        "record.version",
        "grant.create",
        "grant.revoke",
        "record.publish",
        "record.version",
        "record.edit",
        "record.version",
        "record.access",
        "record.version",
        "record.withdraw",
        "record.version",
    ]
    logged = [e.detail for e in entries("record.version", target_id=record.public_id)]
    made = record.versions.order_by("number").values("number", "version_hash", "content_hash")
    assert [{k: d[k] for k in ("number", "version_hash", "content_hash")} for d in logged] == list(
        made
    )
    created = entries("grant.create")[0]
    assert created.detail["reason"] == "case 12" and created.actor == boss
    access = entries("record.access")[0].detail
    assert access["before"] == {"access_level": "confidential"}
    assert access["after"] == {"access_level": "restricted"}


def test_only_archivists_change_access(lawyer):
    record = indexed_record("Text.", access_level="restricted")
    with pytest.raises(Exception, match="Only archivists"):
        access_services.record_set_access(record=record, access_level="public", by=lawyer)
    record.refresh_from_db()
    assert record.access_level == "restricted"
    assert entries("record.access") == []


def test_the_application_refuses_to_change_or_delete_entries(boss):
    entry = AuditEntry.objects.create(action="search", detail={"q": "x"})
    entry.detail = {"q": "changed"}
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(detail={})
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE archive_auditentry SET actor_label = 'someone else' WHERE id = %s",
        "DELETE FROM archive_auditentry WHERE id = %s",
    ],
)
def test_the_database_refuses_update_and_delete_on_audit_rows(sql):
    entry = AuditEntry.objects.create(action="search", actor_label="original")
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).actor_label == "original"


def test_archivists_read_and_export_the_log_but_cannot_edit_it(boss, lawyer):
    record = indexed_record("Restricted words.", access_level="restricted")
    reader = Client()
    reader.force_login(lawyer)
    reader.get(record.get_absolute_url())
    admin = Client()
    sign_in(admin, boss)
    listing = admin.get("/admin/archive/auditentry/", {"action__exact": "record.view"})
    assert listing.status_code == 200 and record.public_id in listing.content.decode()
    entry = entries("record.view")[0]
    assert admin.get(f"/admin/archive/auditentry/{entry.pk}/delete/").status_code == 403
    response = admin.get("/admin/archive/auditentry/export.csv", {"action__exact": "record.view"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["action"], r["target_id"], r["actor_label"]) for r in rows] == [
        ("record.view", record.public_id, "counsel")
    ]
    assert entries("audit.export")[0].detail["filters"] == {"action__exact": "record.view"}
    # Lawyers have no admin at all.
    assert reader.get("/admin/archive/auditentry/").status_code == 404


def test_admin_edits_of_records_vocabulary_and_sources_are_recorded(archivist_client):
    from archive.models import Term

    term = Term.objects.get(slug="hikvision")
    url = f"/admin/archive/term/{term.pk}/change/"
    data = form_values(archivist_client.get(url).content.decode(), "term_form")
    data["preferred_label"] = "Hikvision (changed in a test)"
    response = archivist_client.post(url, data)
    assert response.status_code == 302
    [entry] = entries("object.change", target_id=str(term.pk))
    assert entry.detail == {"created": False, "fields": ["preferred_label"]}
    assert entry.actor_label == "archivist" and entry.channel == "admin"

    draft = indexed_record("Deletable draft.", state="draft")
    public_id = draft.public_id
    response = archivist_client.post(f"/admin/archive/record/{draft.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert [e.target_id for e in entries("record.delete")] == [public_id]


def form_values(html: str, form_id: str) -> dict:
    """The values a browser would submit from the form with this id (inputs, selects with
    their selected options, textareas)."""
    from html.parser import HTMLParser

    class Reader(HTMLParser):
        def __init__(self):
            super().__init__()
            self.data, self.inside, self.select, self.textarea = {}, False, None, None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "form":
                self.inside = a.get("id") == form_id
            if not self.inside:
                return
            name = a.get("name")
            if tag == "input" and name and a.get("type") not in ("submit", "checkbox", "file"):
                self.data[name] = a.get("value", "")
            elif tag == "input" and name and a.get("type") == "checkbox" and "checked" in a:
                self.data[name] = a.get("value", "on")
            elif tag == "select":
                self.select = name
            elif tag == "option" and self.select and "selected" in a:
                self.data[self.select] = a.get("value", "")
            elif tag == "textarea":
                self.textarea = name
                self.data[name] = ""

        def handle_endtag(self, tag):
            if tag == "form":
                self.inside = False
            elif tag == "select":
                self.select = None
            elif tag == "textarea":
                self.textarea = None

        def handle_data(self, text):
            if self.textarea:
                self.data[self.textarea] += text

    reader = Reader()
    reader.feed(html)
    return reader.data


def test_a_forged_export_filter_is_refused_without_an_error(boss):
    admin = Client()
    sign_in(admin, boss)
    response = admin.get("/admin/archive/auditentry/export.csv", {"at__gte": "not-a-date"})
    assert response.status_code == 302 and response["Location"].endswith("?e=1")
    assert not AuditEntry.objects.filter(action="audit.export").exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain():
    """Writers in parallel threads (own connections, own transactions, some rolled back) each
    chain to the entry committed last: no fork, no gap."""
    import threading

    from django.db import connections

    from archive.services import audit
    from archive.services.fixity import check_audit_log

    before = AuditEntry.objects.count()
    writers, each = 6, 15
    errors = []
    start = threading.Barrier(writers)

    def write(n):
        try:
            start.wait()
            for i in range(each):
                with transaction.atomic():
                    audit.log("search", detail={"writer": n, "i": i})
                    if i % 5 == 4:
                        # Some work after the entry, inside the same transaction.
                        AuditEntry.objects.filter(pk=-1).exists()
                try:
                    with transaction.atomic():
                        audit.log("search", detail={"writer": n, "i": i, "rolled_back": True})
                        raise RuntimeError("roll back")
                except RuntimeError:
                    pass
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEntry.objects.count() == before + writers * each
    assert check_audit_log() == []
    hashes = list(AuditEntry.objects.order_by("id").values_list("prev_hash", "entry_hash"))
    assert len({prev for prev, _ in hashes}) == len(hashes)  # no two entries share a parent
