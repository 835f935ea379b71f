"""load_seeds: every article, split and repaired correctly, loaded once, and safely re-runnable."""

import io
import shutil
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from archive.models import ImportWarning, Passage, Record, RecordState, Source, Term
from archive.services.seeds import load_seeds

pytestmark = pytest.mark.django_db

ARTICLE_KEYS = [
    "seed-000",
    "seed-001",
    "seed-002",
    "seed-003-1",
    "seed-003-2",
    "seed-003-3",
    "seed-003-4",
    "seed-004",
]


def history_rows() -> int:
    return sum(model.history.count() for model in (Record, Passage, Source, Term))


def text_of(key: str) -> str:
    return Record.objects.get(import_key=key).canonical_text()


def test_every_manifest_article_becomes_a_published_excerpt(loaded_seeds):
    records = Record.objects.order_by("import_key")
    assert [r.import_key for r in records] == sorted(ARTICLE_KEYS)
    assert {r.state for r in records} == {RecordState.PUBLISHED}
    assert {r.kind for r in records} == {"article_excerpt"}
    assert all(r.source and r.passages.exists() and r.tags.exists() for r in records)


def test_seed_records_keep_their_sequential_identifiers(loaded_seeds):
    """A fresh install numbers the seed articles in manifest order, as it always has: they
    may be cited so (docs/integrity.md#public-identifiers)."""
    identifiers = dict(
        Record.objects.filter(import_key__in=ARTICLE_KEYS).values_list("import_key", "public_id")
    )
    assert identifiers == {key: f"A-{n:06d}" for n, key in enumerate(ARTICLE_KEYS, start=1)}


def test_load_seeds_twice_changes_nothing(loaded_seeds):
    snapshot = {
        r.public_id: (r.content_hash, r.updated_at, sorted(r.tags.values_list("slug", flat=True)))
        for r in Record.objects.all()
    }
    history, warnings = history_rows(), ImportWarning.objects.count()
    out = io.StringIO()
    call_command("load_seeds", stdout=out)
    assert "articles: 0 created, 0 updated, 8 unchanged" in out.getvalue()
    assert "vocabulary: 0 created, 0 updated" in out.getvalue()
    call_command("load_seeds", update=True, stdout=out)
    assert {
        r.public_id: (r.content_hash, r.updated_at, sorted(r.tags.values_list("slug", flat=True)))
        for r in Record.objects.all()
    } == snapshot
    assert (history_rows(), ImportWarning.objects.count()) == (history, warnings)


def test_the_first_run_reports_what_it_created(empty_archive):
    out = io.StringIO()
    call_command("load_seeds", stdout=out)
    assert "articles: 8 created, 0 updated, 0 unchanged" in out.getvalue()
    assert "created seed-003-4" in out.getvalue()


def test_file_003_splits_into_exactly_the_four_manifest_articles(loaded_seeds, seeds_dir):
    manifest = yaml.safe_load((seeds_dir / "manifest.yaml").read_text())
    entry = next(f for f in manifest["files"] if f["file"].startswith("003_"))
    assert [a["key"] for a in entry["articles"]] == [k for k in ARTICLE_KEYS if "003" in k]
    lines = [ln for ln in (seeds_dir / entry["file"]).read_text().split("\n") if ln.strip()]
    passages = [
        p.text
        for key in ("seed-003-1", "seed-003-2", "seed-003-3", "seed-003-4")
        for p in Record.objects.get(import_key=key).passages.order_by("position")
    ]
    # Every non-empty line of the file lands in exactly one article, in order.
    assert passages == lines
    assert text_of("seed-003-1").startswith("United Nations officials have said China")
    assert text_of("seed-003-1").endswith("why are they making it.”")
    assert text_of("seed-003-2").startswith("China has denied mistreatment of Uyghur Muslims")
    assert "Washington blacklisted Xinjiang region’s Communist Party secretary" in text_of(
        "seed-003-2"
    )
    assert text_of("seed-003-3").endswith("parts made with forced labour.")
    assert text_of("seed-003-4").startswith("Detainees were forced to pick one or several")
    assert text_of("seed-003-4").endswith("Read the original here.")


def test_headlines_and_datelines_are_metadata_not_passages(loaded_seeds):
    record = Record.objects.get(import_key="seed-000")
    assert record.title.startswith("Bundestag discusses human rights violations")
    first = record.passages.order_by("position").first()
    assert (first.number, first.role) == (1, "standfirst")
    assert "11/08/2018" not in record.canonical_text()
    assert record.source.published_display == "8 November 2018"


def test_file_004_mojibake_is_repaired(loaded_seeds):
    text = text_of("seed-004")
    assert "Fionnuala Ní Aoláin" in text
    assert "£800 million ($996.84 million)" in text
    assert "use of “intrusive and high-risk technologies” by governments" in text
    assert "hadn’t made a run for it" in text
    assert "‘genocide-tech’ companies" in text
    assert "Integrated Joint Operations Platform (一体化联合作战平台 )" in text
    assert not any("\u0e00" <= ch <= "\u0e7f" for ch in text)
    assert "โ€" not in text and "\ufffd" not in text


def test_uncertain_repairs_are_flagged_for_archivists(loaded_seeds):
    record = Record.objects.get(import_key="seed-004")
    warnings = record.import_warnings.filter(code="uncertain-repair")
    chosen = sorted(w.detail["chosen"] for w in warnings)
    assert chosen == sorted(["”"] * 5 + ["联", "合", "台"])
    ijop = next(w for w in warnings if w.detail["chosen"] == "联")
    passage = record.passages.get(number=ijop.passage_number)
    assert "Integrated Joint Operations Platform" in passage.text
    assert "联" in ijop.message and len(ijop.detail["candidates"]) > 1
    # Clean files raise no warning at all.
    assert not ImportWarning.objects.exclude(record=record).exists()


def test_aliases_are_loaded_for_other_spellings_and_scripts(loaded_seeds):
    def aliases(slug):
        return set(Term.objects.get(slug=slug).aliases.values_list("label", flat=True))

    uyghurs = Term.objects.get(aliases__label="Uighur")
    assert {"Uyghur", "Uigur"} <= aliases(uyghurs.slug) | {uyghurs.preferred_label}
    urumqi = Term.objects.get(aliases__label="乌鲁木齐")
    assert "Urumqi" in aliases(urumqi.slug) | {urumqi.preferred_label}
    assert Term.objects.get(aliases__label="海康威视").preferred_label == "Hikvision"


def test_passage_level_tags_are_loaded(loaded_seeds):
    hikvision = Term.objects.get(slug="hikvision")
    tagged = Passage.objects.filter(tags=hikvision)
    assert tagged.exists()
    assert all("Hikvision" in p.text or "海康" in p.text for p in tagged)


def copy_seeds(seeds_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(seeds_dir, target)
    return target


def test_a_wrong_article_boundary_fails_loudly_and_writes_nothing(
    empty_archive, seeds_dir, tmp_path
):
    target = copy_seeds(seeds_dir, tmp_path)
    manifest = target / "manifest.yaml"
    manifest.write_text(manifest.read_text().replace("lines: [33, 52]", "lines: [34, 52]"))
    with pytest.raises(CommandError, match="seed-003-2: line 34 does not start with"):
        call_command("load_seeds", seeds_dir=target)
    assert not Record.objects.exists() and not Term.objects.exists()


def test_an_altered_seed_file_is_refused(empty_archive, seeds_dir, tmp_path):
    target = copy_seeds(seeds_dir, tmp_path)
    path = next(target.glob("001_*.txt"))
    path.write_text(path.read_text().replace("Huawei", "Hauwei", 1))
    with pytest.raises(CommandError, match="SHA-256 differs"):
        call_command("load_seeds", seeds_dir=target)
    assert not Record.objects.exists()


def test_an_unknown_tag_is_reported_with_its_article(empty_archive, seeds_dir, tmp_path):
    target = copy_seeds(seeds_dir, tmp_path)
    manifest = target / "manifest.yaml"
    data = yaml.safe_load(manifest.read_text())
    data["files"][0]["articles"][0]["tags"].append("no-such-term")
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(CommandError, match="seed-000: tag 'no-such-term' is not in the vocabulary"):
        call_command("load_seeds", seeds_dir=target)
    assert not Term.objects.exists()


def test_a_changed_manifest_updates_the_record_in_place(loaded_seeds, seeds_dir, tmp_path):
    target = copy_seeds(seeds_dir, tmp_path)
    manifest = target / "manifest.yaml"
    data = yaml.safe_load(manifest.read_text())
    data["files"][0]["articles"][0]["summary"] = "A corrected summary."
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True))
    before = Record.objects.get(import_key="seed-000")
    assert load_seeds(seeds_dir=target).updated == []  # the default never overwrites
    report = load_seeds(seeds_dir=target, update=True)
    after = Record.objects.get(import_key="seed-000")
    assert report.updated == ["seed-000"] and len(report.unchanged) == 7
    assert (after.public_id, after.summary) == (before.public_id, "A corrected summary.")


def test_re_running_seeds_never_undoes_an_archivists_work(
    loaded_seeds, seeds_dir, django_user_model
):
    from simple_history.utils import update_change_reason  # noqa: F401  (history is in use)

    from archive.services.records import record_set_tags

    archivist = django_user_model.objects.create_user("curator")
    record = Record.objects.get(import_key="seed-004")
    passage = record.passages.get(number=1)
    passage.text = "Corrected by an archivist."
    passage._history_user = archivist
    passage.save()
    record_set_tags(
        record=record, terms=[Term.objects.get(slug="hikvision")], by=archivist, note="retag"
    )
    term = Term.objects.get(slug="sharp-eyes")
    term.description = "Rewritten by an archivist."
    term._history_user = archivist
    term.save()

    for update in (False, True):
        report = load_seeds(seeds_dir=seeds_dir, update=update)
        assert "seed-004" not in report.updated
    record.refresh_from_db()
    assert record.passages.get(number=1).text == "Corrected by an archivist."
    assert list(record.tags.values_list("slug", flat=True)) == ["hikvision"]
    assert Term.objects.get(slug="sharp-eyes").description == "Rewritten by an archivist."
    assert "seed-004" in report.kept and "sharp-eyes" in report.vocabulary.kept
