"""Citations of record versions, passages and collection versions: every format parses with
an independent parser and names the stable URL, the version, the access date and the hash;
special characters survive; the endpoints answer with the right types, and 404 for whatever
the reader may not see; no staff username appears anywhere."""

import datetime as dt
import json

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware
from django.test import Client
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from archive import citations, roles
from archive.models import AuditEntry
from archive.services.records import PassageInput, record_set_passages
from tests.collections.cited import SECRET_TITLE, STAFF, TRICKY_TITLE, build_corpus
from tests.factories import make_user, sign_in

pytestmark = pytest.mark.django_db

BASE = "https://archive.example.org"
ACCESSED = dt.date(2026, 12, 1)
FORMATS = ["bibtex", "ris", "csl-json", "chicago", "apa"]
CONTENT_TYPES = {
    "bibtex": "application/x-bibtex",
    "ris": "application/x-research-info-systems",
    "csl-json": "application/vnd.citationstyles.csl+json",
    "chicago": "text/plain",
    "apa": "text/plain",
}


@pytest.fixture
def corpus():
    return build_corpus()


def newest(record):
    return record.versions.order_by("-number").first()


def works(corpus) -> dict[str, citations.Work]:
    kw = {"base_url": BASE, "accessed": ACCESSED}
    return {
        "testimony": citations.record_version_work(newest(corpus.testimony), **kw),
        "article": citations.record_version_work(newest(corpus.article), **kw),
        "passage": citations.passage_work(newest(corpus.article), 2, **kw),
        "collection": citations.collection_version_work(corpus.version, **kw),
    }


def bibtex_decoder() -> LatexNodes2Text:
    # \textbraceleft and \textbraceright are LaTeX2e's text braces; pylatexenc lacks them.
    db = get_default_latex_context_db()
    db.add_context_category(
        "text-braces",
        prepend=True,
        macros=[MacroTextSpec("textbraceleft", "{"), MacroTextSpec("textbraceright", "}")],
    )
    return LatexNodes2Text(latex_context=db)


def parse_bibtex(text: str) -> dict[str, dict[str, str]]:
    library = bibtexparser.parse_string(
        text, append_middleware=[LatexDecodingMiddleware(decoder=bibtex_decoder())]
    )
    assert library.failed_blocks == []
    return {
        e.key: {f.key: f.value for f in e.fields} | {"_type": e.entry_type} for e in library.entries
    }


def expected(work: citations.Work) -> dict:
    """What each citation of `work` must carry, from the database rows themselves."""
    return {"url": work.url, "version": str(work.version), "hashes": [h for _, h in work.hashes]}


# -- every format parses and carries URL, version, access date and hash --------------------------


def test_bibtex_parses_and_decodes_back_to_the_original_text(corpus):
    all_works = works(corpus)
    entries = parse_bibtex(citations.render_many(list(all_works.values()), "bibtex"))
    testimony = newest(corpus.testimony)
    key = f"T{corpus.testimony.public_id[2:]}v{testimony.number}"
    assert all_works["testimony"].key == key
    entry = entries[key]
    assert entry["_type"] == "misc"
    assert entry["title"] == TRICKY_TITLE
    assert entry["author"] == "Narrator Q-17"
    assert entry["url"] == f"{BASE}/records/{corpus.testimony.public_id}/v/{testimony.number}/"
    assert entry["urldate"] == "2026-12-01" and "Accessed 2026-12-01" in entry["note"]
    assert entry["version"] == str(testimony.number)
    assert testimony.version_hash in entry["note"] and testimony.content_hash in entry["note"]

    article = entries[all_works["article"].key]
    assert article["author"] == "Gulchehra Hoja and Shohret Hoshur"
    assert article["howpublished"] == "Excerpt from Radio Free Asia"
    passage = entries[all_works["passage"].key]
    assert all_works["passage"].key == all_works["article"].key + "p2"
    assert passage["url"].endswith("#p2")
    sha = newest(corpus.article).snapshot["passages"][1]["sha256"]
    assert sha in passage["note"]
    collection = entries[f"collection-{corpus.collection.slug}-v1"]
    assert collection["title"] == "Gate & camp {bundle}"
    assert corpus.version.manifest_hash in collection["note"]
    assert collection["url"] == f"{BASE}/collections/{corpus.collection.slug}/v/1/"


def test_bibtex_escapes_keep_the_entry_balanced_and_inert():
    """A title cannot close the entry's braces, add a field, or run a TeX command."""
    raw = citations.bibtex_escape("x}, note = {injected} \\input{/etc/passwd} ^ {")
    assert raw.count("{") == raw.count("}")
    assert "\\input" not in raw.replace("\\textbackslash{}input", "")
    assert "^" not in raw.replace("\\textasciicircum{}", "")


def test_ris_round_trips_through_rispy(corpus):
    all_works = works(corpus)
    text = citations.render_many(list(all_works.values()), "ris")
    entries = rispy.loads(text)
    assert rispy.loads(rispy.dumps(entries)) == entries
    by_id = {e["id"]: e for e in entries}
    for work in all_works.values():
        entry = by_id[work.key]
        want = expected(work)
        assert entry["type_of_reference"] == "ELEC"
        assert entry["title"] == work.title
        assert entry["urls"] == [want["url"]]
        assert entry["edition"] == f"Version {want['version']}"
        assert entry["access_date"] == "2026/12/01"
        assert all(h in entry["notes"][0] for h in want["hashes"])
    assert by_id[all_works["testimony"].key]["title"] == TRICKY_TITLE
    assert by_id[all_works["testimony"].key]["authors"] == ["Narrator Q-17"]
    assert by_id[all_works["article"].key]["secondary_title"] == "Radio Free Asia"
    assert "authors" not in by_id[all_works["collection"].key]


def test_csl_json_items_have_their_required_fields(corpus):
    all_works = works(corpus)
    items = json.loads(citations.render_many(list(all_works.values()), "csl-json"))
    by_id = {item["id"]: item for item in items}
    for work in all_works.values():
        item = by_id[work.key]
        want = expected(work)
        assert {"id", "type", "title", "issued", "accessed", "URL", "version"} <= set(item)
        assert item["URL"] == want["url"] and item["version"] == want["version"]
        assert item["accessed"] == {"date-parts": [[2026, 12, 1]]}
        assert len(item["issued"]["date-parts"][0]) == 3
        assert all(h in item["note"] for h in want["hashes"])
    testimony = by_id[all_works["testimony"].key]
    assert testimony["type"] == "interview" and testimony["title"] == TRICKY_TITLE
    assert testimony["author"] == [{"literal": "Narrator Q-17"}]
    article = by_id[all_works["article"].key]
    assert article["container-title"] == "Radio Free Asia"
    assert by_id[all_works["collection"].key]["type"] == "collection"


@pytest.mark.parametrize("style", ["chicago", "apa"])
def test_text_styles_name_url_version_access_date_and_hash(corpus, style):
    for name, work in works(corpus).items():
        text = citations.render(work, style)
        assert work.url in text, name
        assert f"version {work.version}" in text.lower(), name
        assert "December 1, 2026" in text, name
        assert all(h in text for _, h in work.hashes), name
    chicago = citations.render(works(corpus)["testimony"], "chicago")
    assert chicago.startswith("Narrator Q-17 [pseud.]. “Camp {B} & 50%")
    article = citations.render(works(corpus)["article"], style)
    assert "Gulchehra Hoja" in article and "Radio Free Asia" in article


def test_no_staff_username_in_any_citation(corpus):
    for work in works(corpus).values():
        for fmt in FORMATS:
            text = citations.render(work, fmt)
            assert not any(name in text for name in STAFF), (work.key, fmt)


# -- endpoints ------------------------------------------------------------------------------------


def reader(user=None) -> Client:
    client = Client()
    if user is not None:
        sign_in(client, user)
    return client


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_endpoint_answers_each_format_with_its_type(corpus, fmt, settings):
    settings.ARCHIVE_BASE_URL = ""  # the request's own address
    t, a, slug = corpus.testimony.public_id, corpus.article.public_id, corpus.collection.slug
    n = newest(corpus.article).number
    paths = [
        f"/records/{t}/cite",
        f"/records/{t}/v/{newest(corpus.testimony).number}/cite",
        f"/records/{a}/v/{n}/p/2/cite",
        f"/collections/{slug}/cite",
        f"/collections/{slug}/v/1/cite",
    ]
    for path in paths:
        response = reader().get(path, {"format": fmt})
        assert response.status_code == 200, path
        assert response["Content-Type"].split(";")[0] == CONTENT_TYPES[fmt]
        body = response.content.decode()
        assert "http://testserver/" in body
        if fmt in ("bibtex", "ris", "csl-json"):
            assert response["Content-Disposition"].startswith("attachment; filename=")
        else:
            assert not response.has_header("Content-Disposition")
        assert not any(name in body for name in STAFF)


def test_the_configured_base_url_names_the_archive(corpus, settings):
    settings.ARCHIVE_BASE_URL = "https://testimony.example.net/"
    body = reader().get(f"/records/{corpus.testimony.public_id}/cite?format=apa").content.decode()
    assert f"https://testimony.example.net/records/{corpus.testimony.public_id}/v/" in body
    assert "testserver" not in body


def test_record_cite_without_a_number_names_the_newest_version(corpus):
    record = corpus.article
    record_set_passages(
        record=record,
        passages=[PassageInput("Cameras were removed from the gate."), PassageInput("Same.")],
        by=corpus.boss,
        note="correction",
    )
    number = newest(record).number
    body = reader().get(f"/records/{record.public_id}/cite?format=csl-json").json()
    assert body[0]["version"] == str(number)
    assert body[0]["URL"].endswith(f"/records/{record.public_id}/v/{number}/")


@pytest.mark.parametrize("query", ["", "?format=", "?format=word", "?format=BIBTEX"])
def test_a_missing_or_unknown_format_is_a_plain_400_listing_the_formats(corpus, query):
    response = reader().get(f"/records/{corpus.testimony.public_id}/cite{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert all(fmt in text for fmt in FORMATS)


def test_hidden_records_versions_and_collections_answer_404(corpus):
    secret = corpus.secret.public_id
    secret_version = newest(corpus.secret).number
    draft_version = corpus.article.versions.order_by("number").first().number  # before publishing
    researcher = make_user("res", roles.RESEARCHER)
    hidden = {
        "anonymous": None,
        "researcher": researcher,
    }
    private = corpus.collection.__class__.objects.create(slug="private-bundle", title="Private")
    private.curators.add(corpus.curator)
    paths = [
        f"/records/{secret}/cite?format=bibtex",
        f"/records/{secret}/v/{secret_version}/cite?format=ris",
        f"/records/{secret}/v/{secret_version}/p/1/cite?format=chicago",
        f"/records/{corpus.article.public_id}/v/{draft_version}/cite?format=apa",
        f"/records/{corpus.article.public_id}/v/{newest(corpus.article).number}/p/99/cite"
        "?format=apa",
        "/records/T-999999/cite?format=apa",
        "/collections/private-bundle/cite?format=csl-json",
        f"/collections/{corpus.collection.slug}/v/2/cite?format=csl-json",
    ]
    for role, user in hidden.items():
        client = reader(user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 404, (role, path)
            assert SECRET_TITLE.encode() not in response.content
    # Those who may see the restricted record get it.
    lawyer = reader(make_user("law", roles.LAWYER))
    assert lawyer.get(paths[0]).status_code == 200
    assert reader(corpus.curator).get(
        "/collections/private-bundle/cite?format=apa"
    ).status_code == (
        404  # a collection never published has no version to cite
    )


def test_citing_a_restricted_record_is_audited_like_a_view(corpus):
    lawyer = make_user("law", roles.LAWYER)
    version = newest(corpus.secret).number
    secret = corpus.secret.public_id
    client = reader(lawyer)
    assert client.get(f"/records/{secret}/v/{version}/cite?format=ris").status_code == 200
    assert client.get(f"/records/{secret}/v/{version}/p/1/cite?format=ris").status_code == 200
    entries = AuditEntry.objects.filter(actor=lawyer, target_id=secret).order_by("pk")
    assert [(e.action, e.detail.get("version"), e.detail.get("passage")) for e in entries] == [
        ("record.view", version, None),
        ("passage.view", version, 1),
    ]
    # Citations of public records are not audited, as their views are not.
    reader().get(f"/records/{corpus.article.public_id}/cite?format=ris")
    assert not AuditEntry.objects.filter(target_id=corpus.article.public_id, action="record.view")


# -- the citation box on the pages ----------------------------------------------------------------


def test_record_and_version_pages_show_the_citation_box(corpus):
    record = corpus.testimony
    version = newest(record)
    page = reader().get(f"/records/{record.public_id}/").content.decode()
    assert 'class="citation"' in page
    assert "Narrator Q-17 [pseud.]" in page
    assert f"/records/{record.public_id}/v/{version.number}/cite?format=bibtex" in page
    assert 'src="/static/archive/copy.js" defer' in page
    assert "hidden>Copy Chicago</button>" in page  # shown only by the script
    assert "<script>" not in page  # the CSP allows no inline script
    page = reader().get(f"/records/{record.public_id}/v/{version.number}/").content.decode()
    assert 'class="citation"' in page and version.version_hash in page
    for p in version.snapshot["passages"]:
        cite = f"/records/{record.public_id}/v/{version.number}/p/{p['number']}/cite?format=chicago"
        assert cite in page


def test_collection_version_box_gives_the_collection_pages_their_context(corpus):
    box = citations.collection_version_box(corpus.version, BASE, ACCESSED)
    assert box["url"] == f"{BASE}/collections/{corpus.collection.slug}/v/1/"
    assert [t["label"] for t in box["texts"]] == ["Chicago", "APA"]
    assert corpus.version.manifest_hash in box["texts"][0]["text"]
    hrefs = [f["href"] for f in box["formats"]]
    assert f"/collections/{corpus.collection.slug}/v/1/cite?format=ris" in hrefs
