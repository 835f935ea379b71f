"""Facets count records, follow the query and filters, AND across facets and OR within one."""

import pytest

from tests.search.helpers import find

pytestmark = pytest.mark.django_db

FACET_PARAMS = ("kind", "camp", "practice", "technology", "org", "place", "lang", "year")


def test_every_facet_value_count_equals_the_result_count_when_selected():
    base = find("surveillance")
    checked = 0
    for name in FACET_PARAMS:
        for value in base.facets[name]:
            selected = find("surveillance", **{name: [value.value]})
            assert selected.count == value.count, (name, value.value)
            checked += 1
    assert checked > 20


def test_counts_are_of_records_not_passages():
    result = find("Hikvision")
    org = {v.value: v.count for v in result.facets["org"]}
    assert org["hikvision"] == result.count == 3  # dozens of passages, three records


def test_facets_follow_the_query():
    one = find("glove factory")
    assert one.count == 1
    assert all(v.count == 1 for values in one.facets.values() for v in values)
    assert [(v.value, v.count) for v in one.facets["kind"]] == [("article_excerpt", 1)]
    assert [(v.value, v.count) for v in find("Uyghur").facets["kind"]] == [("article_excerpt", 8)]


def test_two_values_of_one_facet_widen_and_two_facets_narrow():
    huawei = find("", org=["huawei"]).count
    dahua = find("", org=["dahua-technology"]).count
    both_tags = find("org:huawei org:dahua-technology").count
    assert find("", org=["huawei", "dahua-technology"]).count == huawei + dahua - both_tags
    narrowed = find("", org=["huawei"], technology=["facial-recognition"]).count
    assert narrowed == find("org:huawei technology:facial-recognition").count <= huawei


def test_a_selected_facet_still_offers_its_other_values():
    result = find("", org=["huawei"])
    values = {v.value: v for v in result.facets["org"]}
    assert values["huawei"].selected
    assert any(not v.selected and v.count > 0 for v in values.values())


def test_unknown_facet_parameters_and_values_change_nothing():
    assert find("Uyghur", colour=["red"]).count == 8
    assert find("Uyghur", org=["no-such-org"]).count == 0
