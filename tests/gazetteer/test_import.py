"""import_gazetteer: the ASPI facility dataset as camp terms under county and prefecture
places; messy cells reported, never stored; re-runs change nothing; later versions update and
record history; facilities no longer listed are marked, never deleted."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from archive.models import Camp, ExternalIdentifier, Record, Term
from archive.services.gazetteer import import_gazetteer
from tests.factories import make_record

pytestmark = pytest.mark.django_db

DATASET = Path(__file__).resolve().parents[2] / "seeds" / "gazetteer" / "xjdp-camps-v1.csv"


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_gazetteer", *args, stdout=out)
    return out.getvalue()


def edited(replacements: dict[str, str], drop: str | None = None) -> bytes:
    """The dataset with some text replaced and optionally one facility's line dropped."""
    text = DATASET.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new, 1)
    if drop:
        text = "\n".join(line for line in text.split("\n") if not line.startswith(drop))
    return text.encode()


def test_every_facility_becomes_a_camp_under_its_county_and_prefecture():
    out = run(str(DATASET))
    assert "380 facilities read: 380 created" in out
    assert Camp.objects.count() == 380
    assert ExternalIdentifier.objects.filter(scheme="xjdp").count() == 380
    term = ExternalIdentifier.objects.get(scheme="xjdp", value="50").term
    assert term.preferred_label == "Dabancheng Facility #1" and term.kind == "camp"
    camp = term.camp
    assert (camp.security_tier, camp.prefecture, camp.county) == (3, "Urumqi", "Dabancheng")
    assert str(camp.latitude).startswith("43.38")
    assert camp.latest_imagery.isoformat() == "2020-03-01"  # "20-Mar": March 2020
    assert camp.buildings == {"2018": 40, "2019": 68, "2020": 92}
    assert (camp.watchtowers, camp.interior_fencing, camp.external_wall) == (True, True, True)
    assert [t.preferred_label for t in term.ancestors()][:2] == ["Dabancheng County", "Ürümqi"]


def test_messy_cells_count_as_empty_and_misplaced_values_are_reported_not_stored():
    out = run(str(DATASET))
    # A URL in the yes/no column "Eyewitness Accounts", reported with its line and column.
    assert "left out: line 4, Eyewitness Accounts: expected yes/no" in out
    first = ExternalIdentifier.objects.get(scheme="xjdp", value="1").term.camp
    # "#N/A" and "N/A" are empty, not text.
    assert first.crosswalk == {} and first.decommissioning_signs == ""
    assert first.security_changes == "an external fence was added"
    none_known = edited({",None Known,": ",NONE KNOWN,"})
    report = import_gazetteer(data=none_known, dry_run=True)
    assert not any("NONE KNOWN" in p.value for p in report.problems)


def test_the_seed_places_are_the_gazetteers_counties_where_the_names_agree(loaded_seeds):
    run(str(DATASET))
    pishan = Term.objects.get(slug="pishan-county")
    facilities = pishan.narrower.filter(kind="camp")
    # The dataset names the county by its Uyghur name, Guma, an alias of the seeds' term.
    assert facilities.count() == 6
    assert all(f.camp.county == "Guma" for f in facilities)
    assert pishan.broader.slug == "hotan-prefecture"
    # The 2017 facial-recognition contract in Pishan stays tagged with the county, not a
    # guessed facility.
    contract = Record.objects.filter(tags=pishan)
    assert contract.exists()
    assert not contract.filter(tags__kind="camp").exists()


def test_running_twice_changes_nothing():
    run(str(DATASET))
    before = (Term.objects.count(), Camp.history.count(), Term.history.count())
    out = run(str(DATASET))
    assert "0 created, 0 updated, 380 unchanged" in out
    assert (Term.objects.count(), Camp.history.count(), Term.history.count()) == before


def test_a_later_version_updates_what_changed_and_keeps_the_history():
    run(str(DATASET))
    newer = edited({"1,Tiemenguan Facility #1,41.79631457": "1,Tiemenguan Facility #1,41.80000000"})
    report = import_gazetteer(data=newer)
    assert report.updated == ["Tiemenguan Facility #1"] and report.unchanged == 379
    camp = ExternalIdentifier.objects.get(scheme="xjdp", value="1").term.camp
    assert str(camp.latitude) == "41.800000"
    history = list(camp.history.order_by("history_date").values_list("latitude", flat=True))
    assert [str(v) for v in history] == ["41.796315", "41.800000"]


def test_a_facility_no_longer_listed_is_marked_and_never_deleted_if_tagged():
    run(str(DATASET))
    term = ExternalIdentifier.objects.get(scheme="xjdp", value="2").term
    record = make_record("Held at the Shawan facility.", tags=[term])
    report = import_gazetteer(data=edited({}, drop="2,Shawan Facility #1"))
    assert report.retired == ["Shawan Facility #1"]
    term.refresh_from_db()
    assert term.camp.in_dataset is False
    assert record.tags.filter(pk=term.pk).exists()


def test_unusable_rows_stop_the_import_and_write_nothing(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        edited(
            {
                "1,Tiemenguan Facility #1,41.79631457": "1,Tiemenguan Facility #1,north",
                "2,Shawan Facility #1": "1,Shawan Facility #1",
            }
        )
    )
    with pytest.raises(CommandError) as error:
        run(str(bad))
    message = str(error.value)
    assert message.startswith("nothing imported")
    assert "line 2, Lat: not a number ('north')" in message
    assert "line 3, Number: repeats line 2" in message
    assert Camp.objects.count() == 0
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(DATASET.read_bytes().replace(b"Tiemenguan", "Tiémenguan".encode("latin-1")))
    with pytest.raises(CommandError, match="not UTF-8"):
        run(str(latin1))
    with pytest.raises(CommandError, match="No such file"):
        run(str(tmp_path / "missing.csv"))
    assert Camp.objects.count() == 0


def test_a_dry_run_writes_nothing():
    out = run(str(DATASET), "--dry-run")
    assert "380 would be created" in out
    assert Camp.objects.count() == 0
