"""Bulk import: every row checked first, all or nothing, duplicates skipped, encodings and
malformed files refused with their line, identifying details kept out of published records."""

import codecs
import io
import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from archive import roles
from archive.models import (
    AuditEntry,
    IdentifyingTerm,
    ImportWarning,
    IndexQueue,
    Passage,
    PiiFinding,
    Record,
    Source,
    Term,
)
from archive.models.testimony import Testimony as NarratorDetails
from archive.services.imports import import_records
from archive.services.vocabulary import AliasSpec, TermSpec, vocabulary_sync
from tests.factories import make_record, make_user
from tests.json_attacks import ATTACKS, in_object, nested_arrays
from tests.search.helpers import find, ids

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"


@pytest.fixture
def boss():
    return make_user("boss", roles.ARCHIVIST)


def jsonl(*rows) -> bytes:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()


def row(kind="article_excerpt", **fields) -> dict:
    base = {
        "kind": kind,
        "title": "An imported record",
        "language": "en",
        "text": "A first paragraph of the account.\n\nA second paragraph of the account.",
    }
    if kind == "testimony":
        base |= {"narrator_pseudonym": "Narrator X-1", "relation": "survivor"}
    return base | fields


def run(data: bytes, by, name="rows.jsonl", **kwargs):
    return import_records(data=data, name=name, by=by, **kwargs)


def footprint() -> dict[str, int]:
    """Every table an import writes to."""
    models = [
        Record,
        Passage,
        Source,
        NarratorDetails,
        IdentifyingTerm,
        ImportWarning,
        PiiFinding,
        AuditEntry,
        IndexQueue,
    ]
    return {m.__name__: m.objects.count() for m in models}


def created(report) -> list[Record]:
    return [Record.objects.get(public_id=r.public_id) for r in report.rows if r.public_id]


# -- the samples ------------------------------------------------------------------------------


def test_the_jsonl_sample_imports(boss):
    report = run((SAMPLES / "import-sample.jsonl").read_bytes(), boss, "import-sample.jsonl")
    assert report.ok and report.written, report.lines()
    narrated, excerpt, relative = created(report)

    assert (narrated.kind, narrated.state, narrated.access_level) == (
        "testimony",
        "published",
        "registered",
    )
    assert narrated.passages.count() == 3
    details = narrated.testimony
    assert (details.consent_scope, details.relation, details.age_range) == (
        "research",
        "survivor",
        "30_44",
    )
    assert (details.detention_start.isoformat(), details.detention_start_precision) == (
        "2018-03-01",
        "month",
    )
    assert details.detention_end_precision == "year"
    assert details.interviewing_organization.slug == "human-rights-watch"  # alias "HRW"
    assert {t.slug for t in narrated.tags.all()} == {
        "interrogation",
        "forced-language-instruction",  # alias "forced language classes"
        "urumqi",
        "uyghurs",  # alias "Uighur" under the kind "group"
    }
    # Published: the identifying terms survive only as digests.
    terms = IdentifyingTerm.objects.filter(record=narrated)
    assert terms.count() == 2 and set(terms.values_list("term", flat=True)) == {""}
    assert all(len(t.digest) == 64 for t in terms)

    assert excerpt.state == "published" and excerpt.access_level == "public"
    assert excerpt.source.outlet == "The Sample Gazette (fictional)"
    assert excerpt.source.authors == ["A. Example", "B. Placeholder"]
    assert excerpt.source.published_display == "14 June 2019"
    assert {t.slug for t in excerpt.tags.all()} >= {"surveillance-cameras", "hikvision"}

    # A phone number in a testimony keeps it a draft, with the finding open for review.
    assert relative.state == "draft" and relative.access_level == "restricted"
    assert list(PiiFinding.objects.filter(record=relative).values_list("kind", flat=True)) == [
        "phone"
    ]
    outcome = report.rows[2]
    assert any(
        "phone in ¶2" in w.message and "stays a draft" in w.message for w in outcome.warnings
    )
    assert "+90" not in " ".join(report.lines())  # the report never repeats the number


def test_the_csv_sample_imports(boss):
    report = run((SAMPLES / "import-sample.csv").read_bytes(), boss, "import-sample.csv")
    assert report.ok and report.written, report.lines()
    narrated, excerpt = created(report)
    assert narrated.state == "published" and narrated.access_level == "restricted"
    assert narrated.passages.count() == 3
    assert {t.slug for t in narrated.tags.all()} == {
        "compulsory-phone-surveillance",  # its preferred label, in any case
        "interrogation",
        "xinjiang",
        "uyghurs",
    }
    assert set(narrated.identifying_terms.values_list("term", flat=True)) == {""}
    assert excerpt.source.authors == ["C. Sample", "D. Illustration"]
    assert excerpt.source.published_display == "October 2020"
    assert excerpt.event_dates_display == "February 2020 – September 2020"
    assert {t.slug for t in excerpt.tags.all()} == {"forced-labour", "hotan-prefecture"}


def test_an_import_is_audited_once_with_the_file_hash(boss):
    data = (SAMPLES / "import-sample.csv").read_bytes()
    report = run(data, boss, "import-sample.csv")
    entry = AuditEntry.objects.get(action="record.import")
    assert entry.actor == boss
    assert entry.detail["file"] == "import-sample.csv"
    assert entry.detail["sha256"] == report.sha256 and len(report.sha256) == 64
    assert entry.detail["created"] == 2 and entry.detail["rows"] == 2
    # Each record also has its own creation entry; no entry holds an identifying term.
    assert AuditEntry.objects.filter(action="record.create").count() >= 2
    for detail in AuditEntry.objects.values_list("detail", flat=True):
        assert "Samplejan" not in json.dumps(detail)


# -- fields -----------------------------------------------------------------------------------


def test_every_record_field_is_stored(boss):
    data = jsonl(
        row(
            "testimony",
            title="A full row",
            summary="What the account covers.",
            language="ug-Latn",
            access_level="confidential",
            embargo_until="2031-01-01",
            event_start="2017-11",
            event_end="2018",
            event_end_precision="approximate",
            consent_scope="archive_only",
            gender="female",
            ethnicity="kazakh",
            home_prefecture="ili",
            interview_date="2020-02",
            original_language="kk",
            translation_note="Translated by a volunteer.",
            reliability_notes="Consistent with two other accounts.",
        )
    )
    report = run(data, boss)
    assert report.ok, report.lines()
    (record,) = created(report)
    assert (record.title, record.summary, record.language) == (
        "A full row",
        "What the account covers.",
        "ug-Latn",
    )
    assert record.access_level == "confidential"
    assert record.embargo_until.isoformat() == "2031-01-01"
    assert record.event_dates_display == "November 2017 – c. January 2018"
    t = record.testimony
    assert (t.gender, t.ethnicity, t.home_prefecture, t.original_language) == (
        "female",
        "kazakh",
        "ili",
        "kk",
    )
    assert t.interview_date_precision == "month"
    assert t.reliability_notes == "Consistent with two other accounts."


def test_requested_states_go_through_the_workflow_with_one_version_each(boss):
    refused = run(jsonl(row(text="W.", state="withdrawn")), boss)
    assert [(p.line, p.field) for p in refused.errors] == [(1, "state")]
    rows = [row(text="A.", state="in_review"), row(text="B.", state="published"), row(text="C.")]
    report = run(jsonl(*rows), boss, "states.jsonl")
    in_review, published, draft = created(report)
    assert (in_review.state, published.state, draft.state) == ("in_review", "published", "draft")
    assert AuditEntry.objects.filter(action="record.publish", target_id=published.public_id)
    (version,) = published.versions.all()
    assert version.state == "published"
    assert version.note.startswith("imported from states.jsonl, line 2")


def test_testimony_without_an_access_level_gets_what_its_consent_allows(boss):
    report = run(jsonl(row("testimony", consent_scope="archive_only")), boss)
    (record,) = created(report)
    assert record.access_level == "confidential"
    report = run(jsonl(row("testimony", text="Another account.")), boss)
    (record,) = created(report)
    # No consent given: the narrowest scope, as in the admin.
    assert record.testimony.consent_scope == "archive_only"
    assert record.access_level == "confidential"


def test_a_level_wider_than_the_consent_is_an_error(boss):
    report = run(jsonl(row("testimony", access_level="public", consent_scope="legal")), boss)
    assert not report.ok and not report.written
    (problem,) = report.errors
    assert (problem.line, problem.field) == (1, "consent_scope")
    assert "allows at most" in problem.message


def test_sources_are_found_or_created_once(boss):
    existing = Source.objects.create(outlet="Gazette", title="Report", url="https://example.org/r")
    data = jsonl(
        row(
            text="One.",
            source={"outlet": "Gazette", "title": "Report", "url": "https://example.org/r"},
        ),
        row(text="Two.", source={"outlet": "Weekly", "title": "Story", "published": "2020"}),
        row(text="Three.", source={"outlet": "Weekly", "title": "Story", "published": "2020"}),
        row(
            text="Four.",
            source={
                "outlet": "Gazette",
                "title": "Report",
                "url": "https://example.org/r",
                "authors": ["Someone Else"],
            },
        ),
    )
    before = Source.objects.count()
    report = run(data, boss)
    assert report.ok, report.lines()
    one, two, three, four = created(report)
    assert one.source == existing and four.source == existing
    assert two.source == three.source and two.source.published_display == "2020"
    assert Source.objects.count() == before + 1
    existing.refresh_from_db()
    assert existing.authors == []  # never changed by an import; the difference is reported
    assert [w.field for w in report.rows[3].warnings] == ["source.authors"]


def test_tags_by_slug_label_or_alias_and_unknown_ones_are_errors(boss):
    vocabulary_sync(
        specs=[
            TermSpec(
                kind="camp",
                slug="sample-facility-7",
                label="Sample Facility No. 7",
                aliases=(AliasSpec("Facility Seven"), AliasSpec("第七设施", "zh")),
            )
        ]
    )
    good = row(tags={"camp": ["FACILITY SEVEN"], "practice": ["beatings"], "org": ["HRW"]})
    report = run(jsonl(good), boss)
    assert report.ok, report.lines()
    (record,) = created(report)
    assert {t.slug for t in record.tags.all()} == {
        "sample-facility-7",
        "torture",
        "human-rights-watch",
    }
    terms_before = Term.objects.count()
    bad = row(
        text="Other text.",
        tags={"camp": ["第七设施", "Facility Eight"], "place": ["hikvision"], "colour": ["red"]},
    )
    report = run(jsonl(bad), boss)
    assert not report.written
    assert [(p.line, p.field) for p in report.errors] == [
        (1, "tags.camp"),
        (1, "tags.place"),
        (1, "tags.colour"),
    ]
    assert (
        "no camp term" in report.errors[0].message and "Facility Eight" in report.errors[0].message
    )
    assert "is a term of the kind organization, not place" in report.errors[1].message
    assert Term.objects.count() == terms_before  # never created by an import


def test_csv_lists_are_semicolon_separated_and_tag_columns_per_kind(boss):
    data = (
        b"kind,title,language,text,tags.practice,tags.group,source.outlet,source.title,"
        b"source.authors\n"
        b'article_excerpt,Lists,en,"One.\n\nTwo.",torture; interrogation ; ,Kazakh,Outlet,T,'
        b'"A. One; B. Two"\n'
    )
    report = run(data, boss, "lists.csv")
    assert report.ok, report.lines()
    (record,) = created(report)
    assert {t.slug for t in record.tags.all()} == {"torture", "interrogation", "kazakhs"}
    assert record.source.authors == ["A. One", "B. Two"]
    assert list(record.passages.values_list("text", flat=True)) == ["One.", "Two."]


def test_dates_with_a_precision_they_do_not_give_are_errors(boss):
    data = jsonl(
        row(event_start="2019", event_start_precision="day"),
        row(text="B.", event_start="2019-13"),
        row(text="C.", event_start="2020", event_end="2019-05"),
        row(text="D.", embargo_until="next year"),
    )
    report = run(data, boss)
    assert [(p.line, p.field) for p in report.errors] == [
        (1, "event_start"),
        (2, "event_start"),
        (3, "event_end"),
        (4, "embargo_until"),
    ]


# -- validation first, all or nothing ---------------------------------------------------------


def test_three_bad_rows_are_all_reported_and_nothing_is_written(boss):
    data = jsonl(
        row(text="A good row, whose source would be new.", source={"outlet": "O", "title": "T"}),
        row(text="Bad: no language.", language=""),
        row("testimony", text="A good testimony.", identifying_terms=["Real Name=>[NARRATOR]"]),
        row(kind="rumour", text="Bad: unknown kind."),
        row(text="Bad: unknown tag.", tags={"practice": ["no-such-practice"]}),
        row(text="Another good row."),
    )
    before = footprint()
    report = run(data, boss)
    assert not report.ok and not report.written
    assert [(p.line, p.field) for p in report.errors] == [
        (2, "language"),
        (4, "kind"),
        (5, "tags.practice"),
    ]
    assert [r.status for r in report.rows] == ["new", "error", "new", "error", "error", "new"]
    assert footprint() == before
    assert "Real Name" not in " ".join(report.lines())


def test_a_dry_run_reports_and_writes_nothing(boss):
    before = footprint()
    report = run((SAMPLES / "import-sample.jsonl").read_bytes(), boss, dry_run=True)
    assert report.ok and not report.written
    assert [(r.status, r.state) for r in report.rows] == [
        ("new", "published"),
        ("new", "published"),
        ("new", "draft"),  # a phone number: it would stay a draft
    ]
    assert footprint() == before


def test_only_archivists_import(boss):
    reader = make_user("reader", roles.RESEARCHER)
    with pytest.raises(PermissionDenied):
        run(jsonl(row()), reader)
    assert not Record.objects.filter(title="An imported record").exists()


# -- duplicates -------------------------------------------------------------------------------


def test_duplicates_in_the_archive_and_in_the_file_are_skipped_and_reported(boss):
    held = make_record("The same words.", "In the same order.")
    data = jsonl(
        row(text="The same words.\n\n  In the same order.  "),  # equal once normalized
        row(text="New text."),
        row(text="New text.", title="Again"),
    )
    report = run(data, boss)
    assert report.ok and report.written
    assert [(r.status, r.duplicate_of, r.duplicate_line) for r in report.rows] == [
        ("duplicate", held.public_id, None),
        ("created", "", None),
        ("duplicate", "", 2),
    ]
    assert Record.objects.filter(title="Again").count() == 0
    assert f"already in the archive ({held.public_id})" in "\n".join(report.lines())


def test_reimporting_after_a_redaction_creates_nothing(boss):
    from archive.services import intake

    data = jsonl(row("testimony", text="Call +86 139 1234 5678 for the family."))
    (record,) = created(run(data, boss))
    (finding,) = intake.open_findings(record)
    intake.replace_finding(finding=finding, by=boss)
    record.refresh_from_db()
    assert "[PHONE]" in record.canonical_text()
    again = run(data, boss)
    assert [(r.status, r.duplicate_of) for r in again.rows] == [("duplicate", record.public_id)]
    assert Record.objects.filter(import_key=record.import_key).count() == 1


# -- PII --------------------------------------------------------------------------------------


def test_testimony_with_findings_lands_as_a_draft(boss):
    data = jsonl(
        row(
            "testimony",
            state="published",
            consent_scope="public",
            text="Ablimit Tursun was held there.\n\nWrite to family@example.org.",
            identifying_terms=[{"term": "Ablimit Tursun", "placeholder": "[NARRATOR]"}],
        ),
        row("testimony", state="published", consent_scope="public", text="Nothing to find."),
    )
    report = run(data, boss)
    with_findings, clean = created(report)
    assert with_findings.state == "draft" and clean.state == "published"
    kinds = sorted(PiiFinding.objects.filter(record=with_findings).values_list("kind", flat=True))
    assert kinds == ["email", "identifying_term"]
    # While a draft, the terms are kept for review; they go at publication.
    assert with_findings.identifying_terms.get().term == "Ablimit Tursun"
    warning = report.rows[0].warnings[0].message
    assert "identifying_term in ¶1" in warning and "email in ¶2" in warning
    assert "Ablimit" not in "\n".join(report.lines())


def test_identifying_terms_are_not_kept_in_plain_text_once_published(boss):
    data = jsonl(
        row(
            "testimony",
            state="published",
            consent_scope="research",
            text="[NARRATOR] was taken from [VILLAGE].",
            identifying_terms="Gulnar Example=>[NARRATOR]; Sampleköy=>[VILLAGE]",
        )
    )
    (record,) = created(run(data, boss))
    assert record.state == "published"
    stored = IdentifyingTerm.objects.filter(record=record)
    assert sorted(stored.values_list("placeholder", flat=True)) == ["[NARRATOR]", "[VILLAGE]"]
    assert set(stored.values_list("term", flat=True)) == {""}
    for model in (Passage, ImportWarning, AuditEntry, PiiFinding):
        assert "Gulnar" not in json.dumps(list(model.objects.values()), default=str)


# -- encodings --------------------------------------------------------------------------------


def test_latin1_bytes_are_refused_with_their_place(boss):
    data = jsonl(
        row(text="Plain first line.")
    ) + '{"kind": "article_excerpt", "title": "Gülnar"}\n'.encode("latin-1")
    before = footprint()
    report = run(data, boss)
    assert not report.ok and footprint() == before
    (problem,) = report.problems
    assert problem.line == 2
    assert "byte 0xFC" in problem.message and "byte offset" in problem.message
    assert "Windows-1252" in problem.message and "UTF-8" in problem.message


@pytest.mark.parametrize(
    "bom,codec",
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ],
)
def test_utf8_and_utf16_with_a_bom_are_read(boss, bom, codec):
    text = (
        'kind,title,language,text\narticle_excerpt,Ürümqi 乌鲁木齐,ug,"ئۇيغۇر تىلى\n\nҚазақ тілі"\n'
    )
    report = run(bom + text.encode(codec), boss, "bom.csv")
    assert report.ok, report.lines()
    (record,) = created(report)
    assert record.title == "Ürümqi 乌鲁木齐"
    assert list(record.passages.values_list("text", flat=True)) == ["ئۇيغۇر تىلى", "Қазақ тілі"]
    assert report.warnings == []  # nothing here is mistaken for mojibake


def test_utf16_without_a_bom_and_utf32_are_refused(boss):
    text = "kind,title,language,text\n"
    for data in (text.encode("utf-16-le"), codecs.BOM_UTF32_LE + text.encode("utf-32-le")):
        report = run(data, boss, "x.csv")
        assert not report.ok
        assert "save it as UTF-8" in report.problems[0].message


def test_mojibake_is_repaired_and_each_repair_reported(boss):
    data = jsonl(
        row(
            title="GÃ¼lnar's account",
            text="She was taken to Ã\x9crÃ¼mqi.\n\nThe guards didnâ€™t say why.",
        )
    )
    report = run(data, boss)
    assert report.ok, report.lines()
    (record,) = created(report)
    assert record.title == "Gülnar's account"
    assert list(record.passages.order_by("number").values_list("text", flat=True)) == [
        "She was taken to Ürümqi.",
        "The guards didn’t say why.",
    ]
    warnings = {(w.field, w.message) for w in report.rows[0].warnings}
    assert ("title", "repaired mojibake: “Ã¼” → “ü”") in warnings
    assert any(f == "text" and "“â€™” → “’”" in m for f, m in warnings)
    stored = ImportWarning.objects.filter(record=record, code="mojibake-repaired")
    assert sorted(stored.values_list("passage_number", flat=True), key=str) == [1, 2, None]


def test_a_repair_is_reported_letter_by_letter_never_as_the_word(boss):
    name = "ئۇيغۇر"
    garbled = name.encode("utf-8").decode("sloppy-windows-1252")
    (record,) = created(run(jsonl(row(summary=f"Named {garbled} in the file.")), boss))
    assert record.summary == f"Named {name} in the file."
    (warning,) = ImportWarning.objects.filter(record=record)
    assert "“Û‡” → “ۇ” ×2" in warning.message
    assert name not in warning.message + json.dumps(warning.detail, ensure_ascii=False)


def test_a_lone_surrogate_is_an_error(boss):
    report = run(
        b'{"kind": "article_excerpt", "title": "x\\ud800", "language": "en", "text": "t"}\n', boss
    )
    assert [(p.line, p.field) for p in report.errors] == [(1, "title")]


# -- malformed files --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content,line,words",
    [
        (b'kind,title,language,text\narticle_excerpt,A,en,"x"y\n', 2, "must be doubled"),
        (
            b'kind,title,language,text\narticle_excerpt,A,en,One\narticle_excerpt,B,en,"open\n',
            3,
            "never closed",
        ),
        (b"kind,title,text\narticle_excerpt,A,x\n", 1, "required column(s) missing: language"),
        (b"kind,title,language,text,colour\n", 1, "unknown column(s): colour"),
        (b"kind;title;language;text\n", 1, "separate columns with commas"),
        (b"kind,title,language,text,title\n", 1, "given twice: title"),
    ],
)
def test_malformed_csv_is_refused_with_its_line(boss, content, line, words):
    report = run(content, boss, "bad.csv")
    assert not report.ok and not report.written
    assert (report.problems[0].line, words in report.problems[0].message) == (line, True)


def test_malformed_rows_are_each_reported(boss):
    csv_report = run(
        b"kind,title,language,text\narticle_excerpt,A,en\narticle_excerpt,B,en,ok,extra\n",
        boss,
        "rows.csv",
    )
    assert [(p.line, "cells where the header has 4" in p.message) for p in csv_report.errors] == [
        (2, True),
        (3, True),
    ]
    json_report = run(
        b'{"kind": "article_excerpt", "title": "A", "language": "en", "text": "t"}\n'
        b"\n"
        b'{"kind": "article_excerpt", "title": "B"\n'
        b'["not", "an", "object"]\n'
        b'{"kind": "article_excerpt", "kind": "testimony"}\n'
        b'{"kind": "article_excerpt", "title": 5, "language": "en", "text": "t", "titel": "x"}\n',
        boss,
    )
    messages = [(p.line, p.field, p.message) for p in json_report.errors]
    assert messages[0][:2] == (3, "") and "not valid JSON" in messages[0][2]
    assert messages[1] == (4, "", "expected a JSON object {…}, found an array")
    assert messages[2] == (5, "kind", "given twice in this object")
    assert messages[3] == (6, "titel", "unknown field")
    assert json_report.rows[0].status == "new"


def test_a_json_array_file_is_refused(boss):
    report = run(b'[{"kind": "article_excerpt"}]', boss, "rows.json")
    assert "one JSON object per line" in report.problems[0].message


# -- size -------------------------------------------------------------------------------------


def test_files_over_the_size_or_row_limit_are_refused(boss, settings):
    settings.ARCHIVE_IMPORT_MAX_BYTES = 1000
    report = run(jsonl(*(row(text=f"Row {n}.") for n in range(20))), boss)
    assert not report.rows and "at most 1,000 are taken" in report.problems[0].message
    settings.ARCHIVE_IMPORT_MAX_BYTES = 10**6
    settings.ARCHIVE_IMPORT_MAX_ROWS = 5
    report = run(jsonl(*(row(text=f"Row {n}.") for n in range(6))), boss)
    assert "more than 5 rows" in report.problems[0].message
    assert not Record.objects.filter(title="An imported record").exists()


# -- search and the command line --------------------------------------------------------------


def test_search_finds_the_imported_text_when_the_import_returns(boss):
    data = jsonl(row(text="A quokkafish was painted on the wall.", state="published"))
    report = run(data, boss)
    assert report.index_updates >= 1
    assert ids(find("quokkafish")) == [report.rows[0].public_id]
    assert not IndexQueue.objects.exists()


def test_the_command_imports_as_a_named_archivist(boss, tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_bytes(jsonl(row(text="From the command line.")))
    out = io.StringIO()
    call_command("import_records", str(path), "--as", "boss", "--dry-run", stdout=out)
    assert "would be created (draft)" in out.getvalue() and "nothing was written" in out.getvalue()
    assert not Record.objects.filter(title="An imported record").exists()
    out = io.StringIO()
    call_command("import_records", str(path), "--as", "boss", stdout=out)
    (record,) = Record.objects.filter(title="An imported record")
    assert f"line 1: article_excerpt: created {record.public_id} (draft)" in out.getvalue()
    assert "search index: applied" in out.getvalue()
    assert AuditEntry.objects.get(action="record.import").actor_label == "boss"


def test_the_command_fails_on_errors_and_refuses_non_archivists(boss, tmp_path):
    path = tmp_path / "rows.csv"
    path.write_bytes(b"kind,title,language,text\nrumour,A,en,x\n")
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported: 1 error"):
        call_command("import_records", str(path), "--as", "boss", stdout=out)
    assert "line 2, field kind: must be one of testimony, article_excerpt" in out.getvalue()
    make_user("reader", roles.RESEARCHER)
    with pytest.raises(CommandError, match="not an active archivist"):
        call_command("import_records", str(path), "--as", "reader")
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("import_records", str(tmp_path / "missing.csv"), "--as", "boss")


# -- the admin --------------------------------------------------------------------------------

IMPORT_PAGE = "/admin/archive/import/"


@pytest.fixture
def pending(settings, tmp_path):
    settings.ARCHIVE_IMPORT_PENDING_DIR = tmp_path / "pending"
    return settings.ARCHIVE_IMPORT_PENDING_DIR


def upload(client, data: bytes, name="rows.jsonl"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(IMPORT_PAGE, {"file": SimpleUploadedFile(name, data)})


def test_the_record_list_links_to_the_import_page(archivist_client):
    page = archivist_client.get("/admin/archive/record/").content.decode()
    assert f'href="{IMPORT_PAGE}"' in page and "Import records" in page
    assert archivist_client.get(IMPORT_PAGE).status_code == 200


def test_admin_preview_shows_errors_and_writes_nothing(archivist_client, pending):
    before = footprint()
    data = jsonl(row(), row(text="Other.", language="", tags={"org": ["nobody"]}))
    response = upload(archivist_client, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "2 error(s): nothing was written" in page
    assert "<strong>language</strong>: This field cannot be blank." in page
    assert "<strong>tags.org</strong>: no organization term" in page
    assert response.context["report"].rows[1].line == 2
    assert "token" not in response.context and "Confirm import" not in page
    assert footprint() == before and not any(pending.iterdir())


def test_admin_preview_then_confirm_imports_the_previewed_bytes(archivist_client, pending):
    data = (SAMPLES / "import-sample.csv").read_bytes()
    before = footprint()
    preview = upload(archivist_client, data, "import-sample.csv")
    assert "2 record(s) would be created" in preview.content.decode()
    assert footprint() == before
    (kept,) = pending.iterdir()
    assert kept.read_bytes() == data and kept.stat().st_mode & 0o077 == 0
    token = preview.context["token"]

    done = archivist_client.post(IMPORT_PAGE, {"token": token})
    page = done.content.decode()
    assert done.status_code == 200 and "Imported: 2 record(s) created" in page
    new_ids = [r.public_id for r in done.context["report"].rows]
    assert all(public_id in page for public_id in new_ids)
    assert Record.objects.filter(public_id__in=new_ids).count() == 2
    entry = AuditEntry.objects.get(action="record.import")
    assert entry.channel == "admin" and entry.detail["file"] == "import-sample.csv"
    assert not any(pending.iterdir())  # the upload is gone once imported

    again = archivist_client.post(IMPORT_PAGE, {"token": token})
    assert again.status_code == 400
    assert "expired or was already imported" in again.content.decode()
    assert Record.objects.filter(public_id__in=new_ids).count() == 2


def test_a_forged_expired_or_foreign_confirmation_changes_nothing(
    archivist_client, pending, settings
):
    from django.test import Client

    from tests.factories import sign_in

    colleague = sign_in(Client(), make_user("colleague", roles.ARCHIVIST))
    preview = upload(archivist_client, jsonl(row()))
    token = preview.context["token"]
    before = footprint()

    forged = archivist_client.post(IMPORT_PAGE, {"token": token[:-4] + "AAAA"})
    assert forged.status_code == 400
    assert "This confirmation is not valid. Nothing was imported" in forged.content.decode()

    assert colleague.post(IMPORT_PAGE, {"token": token}).status_code == 400

    (kept,) = pending.iterdir()
    kept.write_bytes(jsonl(row(text="Swapped on the server.")))
    swapped = archivist_client.post(IMPORT_PAGE, {"token": token})
    assert "differs from what was previewed" in swapped.content.decode()

    preview = upload(archivist_client, jsonl(row()))
    settings.ARCHIVE_IMPORT_PENDING_SECONDS = -1
    expired = archivist_client.post(IMPORT_PAGE, {"token": preview.context["token"]})
    assert expired.status_code == 400 and "This preview has expired" in expired.content.decode()
    assert not any(pending.iterdir())  # swept
    assert footprint() == before


def test_the_import_page_does_not_exist_for_readers(client):
    from tests.factories import sign_in

    sign_in(client, make_user("reader", roles.RESEARCHER))
    assert client.get(IMPORT_PAGE).status_code == 404
    assert upload(client, jsonl(row())).status_code == 404


# -- hostile JSON -----------------------------------------------------------------------------


@pytest.mark.parametrize("attack", ATTACKS, ids=list(ATTACKS))
@pytest.mark.parametrize("key", ["title", "tags", "source", "text", "unknown"])
def test_hostile_json_in_any_field_is_a_row_error_and_nothing_is_written(boss, attack, key):
    before = footprint()
    good = json.dumps(row(text="A good row beside the attack."))
    data = f"{good}\n{in_object(ATTACKS[attack], key=key, kind='article_excerpt')}\n"
    report = run(data.encode(), boss)
    assert not report.ok and not report.written
    (error,) = report.errors
    assert (error.line, error.field) == (2, "")
    assert error.message.startswith("not valid JSON (")
    assert footprint() == before


@pytest.mark.parametrize("key", ["title", "tags", "source", "text", "passage_tags", "authors"])
def test_nesting_within_the_bound_is_reported_per_field(boss, key):
    data = in_object(nested_arrays(30), key=key, **row()).encode() + b"\n"
    report = run(data, boss)
    assert not report.ok and not report.written
    assert report.errors and all(p.line == 1 for p in report.errors)


def test_the_command_reports_hostile_json_without_a_traceback(boss, tmp_path):
    before = footprint()
    path = tmp_path / "hostile.jsonl"
    path.write_text(
        "\n".join(in_object(value, kind="article_excerpt") for value in ATTACKS.values()) + "\n"
    )
    out = io.StringIO()
    with pytest.raises(CommandError, match=f"Nothing imported: {len(ATTACKS)} error"):
        call_command("import_records", str(path), "--as", "boss", stdout=out)
    lines = [line for line in out.getvalue().splitlines() if "not valid JSON" in line]
    assert len(lines) == len(ATTACKS)
    assert "nested more than 32 levels deep" in lines[0]
    assert "a number longer than 30 characters" in lines[2]
    assert footprint() == before


def test_admin_upload_of_hostile_json_is_a_preview_error(archivist_client, pending):
    before = footprint()
    data = in_object(ATTACKS["nested arrays"], **row()).encode() + b"\n"
    response = upload(archivist_client, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 error(s): nothing was written" in page and "nested more than 32 levels" in page
    assert footprint() == before and not any(pending.iterdir())


@pytest.mark.parametrize("column", ["event_start", "embargo_until", "source.published"])
def test_a_5000_digit_number_in_a_csv_date_cell_is_that_cells_error(boss, column):
    before = footprint()
    data = f"kind,title,language,text,{column}\narticle_excerpt,A,en,Text.,{'9' * 5000}\n"
    report = run(data.encode(), boss, "rows.csv")
    assert not report.ok and not report.written
    assert (2, column) in [(p.line, p.field) for p in report.errors]
    assert footprint() == before
