"""No query form costs more than its bound (length, words, wildcards, their expansion, facet
values, "did you mean"), a query over a bound is refused with a message and searches
nothing, and searches are throttled per client in a store every process shares."""

import subprocess
import sys

import pytest
from whoosh.spelling import Corrector

from archive.identifiers import new_identifier
from archive.search import evaluate, limits
from tests.search.helpers import find, ids, indexed_record
from tests.search.test_indexing import ROOT, process_env

pytestmark = pytest.mark.django_db


def _refused(result, words: str):
    assert result.count == 0 and result.hits == [] and result.suggestion is None
    assert result.notice and words in result.notice and "nothing was searched" in result.notice


def test_a_query_over_the_length_limit_is_refused_with_a_message(client):
    record = indexed_record("An okapi at the gate.")
    at_limit = "okapi " + "x" * (limits.MAX_QUERY_LENGTH - 6)
    assert len(at_limit) == limits.MAX_QUERY_LENGTH
    assert find(at_limit).notice is None
    _refused(find("okapi " + "q" * 3500), "over 500 characters")
    body = client.get("/api/v1/search/", {"q": "okapi " + "q" * 3500}).json()
    assert body["count"] == 0 and "over 500 characters" in body["notice"]
    page = client.get("/search/", {"q": "okapi " + "q" * 600})
    assert page.status_code == 200 and "over 500 characters" in page.content.decode()
    assert record.public_id not in page.content.decode()


def test_too_many_words_or_wildcards_are_refused():
    indexed_record("An okapi at the gate.")
    fifty = " ".join(f"okapi{i}" for i in range(limits.MAX_TERMS))
    assert find(fifty).notice is None
    _refused(find(fifty + " gate"), f"{limits.MAX_TERMS + 1} words")
    # Each word of a phrase, and each character pair of Chinese text, is a lookup.
    _refused(find('"' + " ".join(["gate"] * 51) + '"'), "51 words")
    _refused(find("一" * 52), "51 words")
    assert find("ok* ga* at*").notice is None
    _refused(find("ok* ga* at* th*"), "4 wildcards")
    _refused(find("camp:da* ok* ga* at*"), "4 wildcards")


def test_a_wildcard_reads_at_most_its_bound_of_words(monkeypatch):
    records = [indexed_record(f"The zqword{i} appears once.") for i in range(5)]
    assert len(ids(find("zqwor*"))) == 5
    monkeypatch.setattr(evaluate, "MAX_PREFIX_TERMS", 3)
    found = find("zqword*")
    assert found.count == 3 and set(ids(found)) < {r.public_id for r in records}
    assert "zqword* matches 3 words or more" in found.notice and "first 3" in found.notice
    assert find("zqword1*").notice is None
    # Highlighting expands the same few words, not every word of the index.
    for hit in found.hits:
        assert hit.passages and "<mark>" in hit.passages[0].highlight


def test_the_suggestion_step_is_bounded(monkeypatch):
    asked = []
    original = Corrector.suggest

    def recording(self, text, *args, **kwargs):
        asked.append((text, kwargs.get("prefix")))
        return original(self, text, *args, **kwargs)

    monkeypatch.setattr(Corrector, "suggest", recording)
    assert "hikvision" in find("Hikvison cameras").suggestion.lower()
    assert asked and all(prefix == limits.SUGGEST_FIXED_PREFIX for _, prefix in asked)
    asked.clear()
    long_word = "q" * (limits.MAX_SUGGEST_WORD_LENGTH + 1)
    assert find(long_word).suggestion is None and asked == []  # no walk of the word list
    find("q" * limits.MAX_SUGGEST_WORD_LENGTH)
    assert len(asked) == 1
    asked.clear()
    find("qqa qqb qqc qqd qqe")
    assert len(asked) == 3  # at most three words are corrected
    asked.clear()
    assert find("q").suggestion is None and find("qz").count == 0  # too short to correct
    assert asked == []
    # A long query that finds nothing: each candidate would re-run all of it.
    assert find("Hikvison " + "camp " * limits.MAX_SUGGEST_QUERY_TERMS).suggestion is None
    assert asked == []


def test_facet_values_beyond_the_bound_are_ignored():
    many = [f"org-{i:03d}" for i in range(100)]
    result = find("camp", org=many)
    assert result.params.filters["org"] == many[: limits.MAX_FACET_VALUES]


def test_searches_over_the_rate_get_429_with_retry_after(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "search_anon": "2/minute",
        },
    }
    assert client.get("/search/", {"q": "camp"}).status_code == 200
    assert client.get("/api/v1/search/", {"q": "camp"}).status_code == 200
    page = client.get("/search/", {"q": "camp"})  # the page and the API share one budget
    assert page.status_code == 429 and int(page["Retry-After"]) > 0
    assert "Too many searches" in page.content.decode()
    api = client.get("/api/v1/search/", {"q": "camp"})
    assert api.status_code == 429 and "try again in" in api.json()["detail"]
    # Another client address has its own budget.
    assert client.get("/search/", {"q": "camp"}, REMOTE_ADDR="198.51.100.1").status_code == 200


def _search_rate(settings, rate: str) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "search_anon": rate,
        },
    }


def test_more_like_this_shares_the_search_budget(client, settings):
    record = indexed_record("Okapi cameras at the okapi gate.", title="Okapi gate")
    other = indexed_record("Okapi cameras watched the gate.", title="Okapi watch")
    _search_rate(settings, "3/minute")
    assert client.get("/search/", {"q": "okapi"}).status_code == 200
    mlt = f"/api/v1/records/{record.public_id}/more-like-this/"
    assert other.public_id in [r["id"] for r in client.get(mlt).json()["results"]]
    page = client.get(record.get_absolute_url()).content.decode()
    assert other.public_id in page and "Too many searches" not in page
    # Over the budget the API refuses; a record that does not exist is refused alike.
    missing = f"/api/v1/records/{new_identifier('T')}/more-like-this/"
    assert client.get(missing, REMOTE_ADDR="198.51.100.2").status_code == 404
    for url in (mlt, missing):
        refused = client.get(url)
        assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
        assert "try again in" in refused.json()["detail"]
    # The record page still shows the record, without its similar records.
    page = client.get(record.get_absolute_url())
    body = page.content.decode()
    assert page.status_code == 200 and "Okapi gate" in body
    assert "Too many searches" in body and other.public_id not in body
    assert client.get("/search/", {"q": "okapi"}).status_code == 429
    assert client.get(mlt, REMOTE_ADDR="198.51.100.1").status_code == 200


def test_help_page_states_the_limits(client, settings):
    _search_rate(settings, "45/minute")
    body = client.get("/search/help/").content.decode()
    assert f"at most {limits.MAX_QUERY_LENGTH} characters" in body
    assert f"at most {limits.MAX_TERMS} words" in body
    assert f"at most {limits.MAX_WILDCARDS} wildcards" in body
    assert f"first {evaluate.MAX_PREFIX_TERMS} words" in body
    assert "45 times a minute without signing in" in body and "600 times a minute" in body


def test_a_refused_search_shows_no_count(client, settings):
    indexed_record("An okapi at the gate.")
    for q in ("okapi " + "q" * 600, " ".join(f"w{i}" for i in range(60))):
        body = client.get("/search/", {"q": q}).content.decode()
        assert "nothing was searched" in body and "0 records" not in body
        assert 'id="sort"' not in body
    assert "1 record<" in client.get("/search/", {"q": "okapi"}).content.decode()
    _search_rate(settings, "1/minute")
    body = client.get("/search/", {"q": "okapi"}).content.decode()
    assert "Too many searches" in body and "0 records" not in body


def test_two_processes_share_one_throttle_store(search_index, settings):
    env = {
        **process_env(search_index),
        "ARCHIVE_THROTTLE_DIR": settings.CACHES["throttle"]["LOCATION"],
        "API_THROTTLE_SEARCH_ANON": "3/minute",
    }

    def ask(n: int) -> list[list[str]]:
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "tests.search.throttled_search", str(n)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return [line.split() for line in done.stdout.splitlines()]

    assert [status for status, _ in ask(2)] == ["200", "200"]
    second = ask(2)  # a new process, as another gunicorn worker would be
    assert second[0] == ["200", "-"]
    assert second[1][0] == "429" and int(second[1][1]) > 0
