"""The PII scanner finds each kind of identifying detail, and leaves years, page numbers and
facility numbers alone."""

import pytest

from archive.pii import prc_id_valid, redact, scan, skeleton


def kinds(text, terms=()):
    return [(f.kind, f.text) for f in scan(text, terms)]


# A valid PRC number (the standard's own example), and the same with a wrong check digit.
VALID_ID = "11010519491231002X"
BAD_CHECK_ID = "110105194912310021"


def test_prc_resident_numbers_are_found_only_with_a_valid_checksum_and_date():
    assert prc_id_valid(VALID_ID)
    assert not prc_id_valid(BAD_CHECK_ID)
    assert not prc_id_valid("110105194913310024")  # month 13
    assert kinds(f"Her ID card read {VALID_ID}.") == [("prc_id", VALID_ID)]
    assert kinds("Spaced: 110105 19491231 002X.") == [("prc_id", "110105 19491231 002X")]
    assert kinds(f"Not an ID: {BAD_CHECK_ID}.") == []


@pytest.mark.parametrize(
    "number",
    [
        "13912345678",  # Chinese mobile
        "+86 139 1234 5678",
        "0086-139-1234-5678",
        "0991-4567890",  # Ürümqi landline
        "(0998) 234 5678",  # Kashgar landline
        "+7 701 234 56 78",  # Kazakh mobile
        "8 (777) 123 45 67",
        "+90 532 123 45 67",  # Turkish mobile
        "0532 123 45 67",
        "+1 202 555 0143",  # any +country number
        "+49 30 1234567",
    ],
)
def test_phone_numbers_in_chinese_kazakh_turkish_and_international_forms(number):
    assert kinds(f"Call {number} after dark.") == [("phone", number)]


@pytest.mark.parametrize(
    "text",
    [
        "She was taken in 2018 and released in 2019.",
        "See page 123, p. 45 and pp. 201-215 of the report.",
        "Dabancheng Facility #1 and facility xjdp:50 are listed, as is #380.",
        "Facility number 150 held 10,000 people in 2017-2019.",
        "Between 2017 and 2019, 1,500,000 people may have been detained.",
        "The report (ASPI 2020, 47 pages) counted 380 sites; tier 3 of 4.",
        "Events of 2017-03-05 were reported on 12/03/2018.",  # dates, but no birth keyword
        "Case 2019/1234 was heard in room 12.",
    ],
)
def test_years_pages_counts_and_facility_numbers_are_not_findings(text):
    assert kinds(text) == []


def test_email_url_and_handles():
    text = (
        "Write to aygul.k+news@example.org, see https://example.net/p/123?x=1. "
        "or www.example.com; she posts as @aygul_k and her WeChat ID: aygul1987."
    )
    assert kinds(text) == [
        ("email", "aygul.k+news@example.org"),
        ("url", "https://example.net/p/123?x=1"),
        ("url", "www.example.com"),
        ("handle", "@aygul_k"),
        ("handle", "aygul1987"),
    ]


def test_passport_numbers_by_shape_and_by_context():
    assert kinds("Passport E12345678 was taken.") == [("passport", "E12345678")]
    assert kinds("Her passport no. 0923XK11 was kept.") == [("passport", "0923XK11")]
    assert kinds("护照号码: G87654321") == [("passport", "G87654321")]


@pytest.mark.parametrize(
    "text, date",
    [
        ("He was born on 12 March 1985 in the county.", "12 March 1985"),
        ("Date of birth: 1985-03-12.", "1985-03-12"),
        ("DOB 12/03/1985", "12/03/1985"),
        ("born March 12, 1985", "March 12, 1985"),
        ("他出生于1985年3月12日。", "1985年3月12日"),
    ],
)
def test_exact_dates_of_birth(text, date):
    assert kinds(text) == [("birth_date", date)]


def test_a_birth_year_alone_is_not_an_exact_date_of_birth():
    assert kinds("She was born in 1985.") == []


@pytest.mark.parametrize(
    "coordinates",
    ["43.8256, 87.6168", "39.4704 N, 75.9897 E", "43°49′32″N 87°37′00″E", "42°57'N 89°11'E"],
)
def test_gps_coordinates(coordinates):
    assert kinds(f"The house stood at {coordinates} by the canal.") == [("gps", coordinates)]


def test_identifying_terms_across_case_diacritics_and_transliterations():
    terms = [
        ("Abduweli Ablimit", "[NARRATOR]"),
        ("Gülnar", "[RELATIVE-1]"),
        ("Yengisheher", "[VILLAGE]"),
    ]
    text = (
        "ABDU VELI ABLIMET spoke first. Later Abduveli Ablimit's sister gulnar wrote; "
        "she lived in Yengishahar? No: in Yëngisheher, near Абдувели's shop."
    )
    found = scan(text, terms)
    assert [(f.text, f.placeholder) for f in found] == [
        ("ABDU VELI ABLIMET", "[NARRATOR]"),
        ("Abduveli Ablimit", "[NARRATOR]"),
        ("gulnar", "[RELATIVE-1]"),
        ("Yëngisheher", "[VILLAGE]"),
    ]
    # The Cyrillic spelling of the first name alone is a partial name; the full name is
    # what the archivist listed, so "Абдувели" is found when listed on its own.
    assert [f.text for f in scan(text, ["Abduweli"])][-1] == "Абдувели"
    assert skeleton("Qurban") == skeleton("Kurban") == skeleton("Курбан")


def test_chinese_names_are_found_as_written():
    assert kinds("她的哥哥阿不都热合曼被带走。", ["阿不都热合曼"]) == [
        ("identifying_term", "阿不都热合曼")
    ]


def test_redact_replaces_each_finding_with_its_placeholder():
    text = "Call +7 701 234 56 78 or mail a@b.org about Gülnar."
    found = scan(text, [("Gulnar", "[RELATIVE-1]")])
    assert redact(text, found) == "Call [PHONE] or mail [EMAIL] about [RELATIVE-1]."
