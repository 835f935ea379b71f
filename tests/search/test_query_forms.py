"""Every form of the query language, against the real seed index."""

import pytest

from tests.search.helpers import find, ids, indexed_record, seed_id

pytestmark = pytest.mark.django_db


def test_plain_words_must_all_appear():
    assert ids(find("glove factory")) == [seed_id("seed-003-4")]
    assert find("glove zanzibar").count == 0


def test_exact_phrase_needs_the_words_in_order():
    assert ids(find('"sham trials"')) == [seed_id("seed-003-4")]
    assert find('"trials sham"').count == 0


def test_or_widens_and_not_narrows():
    megvii, uniview = find("Megvii").count, find("Uniview").count
    both = find("Megvii Uniview").count
    assert find("Megvii OR Uniview").count == megvii + uniview - both
    assert (
        find("Hikvision NOT Dahua").count == find("Hikvision").count - find("Hikvision Dahua").count
    )
    assert ids(find("Hikvision -Dahua")) == ids(find("Hikvision NOT Dahua"))


def test_parentheses_group():
    grouped = set(ids(find("(Megvii OR Uniview) patents")))
    assert grouped == set(ids(find("Megvii patents"))) | set(ids(find("Uniview patents")))
    assert grouped


def test_lowercase_operators_are_ordinary_words():
    assert find("Hikvision or Dahua").notice is None
    assert find("Hikvision or Dahua").count <= find("Hikvision OR Dahua").count


def test_prefix_wildcard_matches_word_forms():
    detain = set(ids(find("detain*")))
    assert seed_id("seed-003-4") in detain  # "detainees"
    assert set(ids(find("detainees"))) <= detain
    assert seed_id("seed-004") in ids(find("education*"))  # the stem of "education" is "educ"


def test_proximity():
    record = indexed_record("They used facial and emotion recognition on everyone.")
    assert record.public_id not in ids(find('"facial recognition"'))
    assert record.public_id in ids(find('"facial recognition"~3'))
    assert record.public_id not in ids(find('"facial everyone"~2'))


def test_field_prefixes_filter_by_tags_kind_language_and_years():
    tagged = find("org:hikvision")
    assert tagged.count == 3 and seed_id("seed-004") in ids(tagged)
    assert find("org:海康威视").count == tagged.count  # a term's alias works as the value
    assert find("technology:facial-recognition").count == 6
    assert find("practice:sham-trials").count >= 1
    assert find("place:urumqi").count == find("place:乌鲁木齐").count
    assert find("kind:testimony").count == 0 and find("kind:article").count == 8
    assert find("lang:en").count == 8 and find("lang:zh").count == 0
    assert ids(find("year:2018")) == ids(find("year:2018..2018"))
    assert find("year:2017..2019").count >= find("year:2018").count > 0
    assert find("year:1990..1999").count == 0


def test_camp_prefix_and_facet():
    indexed_record("Held at the facility for months.", tags=["arbitrary-detention"])
    from archive.models import Term

    camp = Term.objects.create(
        kind="camp", slug="test-facility-1", preferred_label="Test Facility #1"
    )
    record = indexed_record("An account from the camp.", tags=[camp.slug])
    assert ids(find("camp:test-facility-1")) == [record.public_id]
    assert ids(find('camp:"Test Facility #1"')) == [record.public_id]


def test_bad_syntax_never_errors_and_says_so():
    for query in ['"glove factory', "glove (factory", "glove AND", "foo:glove", "year:2019..2017"]:
        result = find(query)
        assert result.notice and "searched for the words instead" in result.notice, query
    assert ids(find('"glove factory')) == [seed_id("seed-003-4")]
