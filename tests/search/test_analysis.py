"""The text analyzer: folding, stemming, CJK bigrams, Whoosh's tokenizer protocol, highlighting."""

import pickle
import random

import pytest
from django.utils.safestring import SafeString
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.query import Phrase, Term

from archive.search.analysis import (
    TEXT_ANALYZER,
    CjkBigramTokenizer,
    analyze,
    fold,
    highlight_html,
    index_tokens,
    text_analyzer,
)


def tokens(text, **kwargs):
    return [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in TEXT_ANALYZER(text, positions=True, chars=True, **kwargs)
    ]


# -- folding and stemming ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Ürümqi", "urumqi"),
        ("Ní Aoláin", "ni aolain"),
        ("Ni\u0301 Aola\u0301in", "ni aolain"),  # decomposed accents, as PDFs produce
        ("Straße", "strasse"),
        ("identiﬁed", "identified"),
        ("deten\u00adtion", "detention"),  # soft hyphen
        ("ＵＳＡ", "usa"),
        ("维吾尔族 ئۇيغۇر", "维吾尔族 ئۇيغۇر"),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_accented_and_plain_spellings_analyze_alike():
    assert analyze("Ürümqi") == analyze("urumqi") == analyze("URUMQI") == ["urumqi"]
    assert analyze("Ní Aoláin") == analyze("ni aolain") == ["ni", "aolain"]


def test_stemming_is_porter_and_consistent():
    assert analyze("detained") == analyze("detains") == analyze("Detaining") == ["detain"]
    assert analyze("detention") == ["detent"]


def test_no_stop_words_are_removed():
    assert analyze("not guilty") == ["not", "guilti"]
    assert analyze("no due process") == ["no", "due", "process"]
    assert analyze("the and or a") == ["the", "and", "or", "a"]


def test_words_split_on_apostrophes_hyphens_and_dots():
    assert analyze("China’s re-education U.S.") == ["china", "s", "re", "educ", "u", "s"]


def test_arabic_script_and_combining_marks_keep_words_whole():
    assert analyze("ئۇيغۇر قازاق") == ["ئۇيغۇر", "قازاق"]
    assert analyze("हिन्दी") == ["हिन्दी"]


# -- tokenizer --------------------------------------------------------------------------------


def test_cjk_run_becomes_overlapping_bigrams_at_consecutive_positions():
    assert tokens("维吾尔族音乐") == [
        ("维吾", 0, 0, 2),
        ("吾尔", 1, 1, 3),
        ("尔族", 2, 2, 4),
        ("族音", 3, 3, 5),
        ("音乐", 4, 4, 6),
    ]


def test_mixed_text_positions_and_offsets():
    assert tokens("在2017年新疆 Camps 联") == [
        ("在", 0, 0, 1),  # a one-character run is one token
        ("2017", 1, 1, 5),
        ("年新", 2, 5, 7),
        ("新疆", 3, 6, 8),
        ("camp", 4, 9, 14),
        ("联", 5, 15, 16),
    ]


def test_kana_and_hangul_are_bigrams_and_punctuation_breaks_runs():
    assert analyze("カメラ・監視 한국어") == ["カメ", "メラ", "監視", "한국", "국어"]


def test_start_pos_and_start_char_offset_the_tokens():
    assert tokens("Urumqi 联合作战", start_pos=10, start_char=100) == [
        ("urumqi", 10, 100, 106),
        ("联合", 11, 107, 109),
        ("合作", 12, 108, 110),
        ("作战", 13, 109, 111),
    ]


def test_tokenizer_follows_whoosh_protocol():
    tokenizer = CjkBigramTokenizer()
    stream = list(tokenizer("a b 联合", mode="index", removestops=False, custom=1))
    # One Token object reused for every token, as RegexTokenizer does.
    assert len(stream) == 3 and all(t is stream[0] for t in stream)
    t = stream[0]
    assert (t.mode, t.removestops, t.custom) == ("index", False, 1)
    assert not hasattr(t, "pos") and not hasattr(t, "startchar")  # not asked for
    whole = [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in tokenizer("联合 Ab", tokenize=False, positions=True, chars=True, start_pos=3)
    ]
    assert whole == [("联合 Ab", 3, 0, 5)]
    kept = [(t.text, t.original) for t in tokenizer("Ab 联合作", keeporiginal=True)]
    assert kept == [("Ab", "Ab"), ("联合", "联合"), ("合作", "合作")]
    with pytest.raises(TypeError):
        list(tokenizer(b"bytes"))


# The alphabet of the generated texts: Latin with precomposed and combining accents, ligatures,
# Cyrillic, Arabic, Han, kana with voicing marks, Hangul, variation selectors, soft hyphens and
# zero-width joiners, full-width letters, apostrophes, hyphens, dots, digits and spaces.
_MIXED = (
    "aAbBzZéÉüÜßæœĳﬁﬂ\u0301\u0308ıİ"
    "жЖщЯ"
    "ئۇيغۇر"
    "新疆乌鲁木齐联合作战"
    "か\u3099きカ\u309aー"
    "한국어"
    "\ufe0f\U000e0100\u00ad\u200c\u200d\u2060ＵＳＡ０１"
    "'’-.,;:!?()\"«»…0123456789"
) + " " * 12


def test_index_tokens_are_the_analyzers_tokens():
    """The rebuild's fast path gives exactly the analyzer's index terms, on generated text
    mixing every case the analyzer treats specially."""
    rng = random.Random(20261202)
    texts = ["".join(rng.choice(_MIXED) for _ in range(rng.randint(0, 80))) for _ in range(3000)]
    texts += ["Ürümqi re-education camps", "China’s U.S. 联合 作 战", "ﬁrst Straße", ""]
    checked = 0
    for text in texts:
        expected = [t.text for t in TEXT_ANALYZER(text, mode="index")]
        assert index_tokens(text) == expected, text
        checked += len(expected)
    assert checked > 20_000


# -- in a Whoosh index ------------------------------------------------------------------------


@pytest.fixture
def searcher():
    storage = RamStorage()
    schema = Schema(id=ID(stored=True), body=TEXT(analyzer=text_analyzer(), phrase=True))
    writer = storage.create_index(schema).writer()
    writer.add_document(id="zh", body="报告称一体化联合作战平台收集数据")
    writer.add_document(id="en", body="She was detained near Ürümqi, not guilty of anything.")
    writer.commit()
    # Reopened: the schema, analyzer included, comes back unpickled from the index.
    with storage.open_index().searcher() as s:
        yield s


def found(searcher, query):
    return sorted(hit["id"] for hit in searcher.search(query))


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("联合作战", ["zh"]),
        ("作战平台", ["zh"]),
        ("一体", ["zh"]),
        ("一体化联合作战平台", ["zh"]),
        ("作平", []),
        ("平台收集数据", ["zh"]),
        ("数据报告", []),
    ],
)
def test_phrase_of_bigrams_finds_any_substring(searcher, text, ids):
    assert found(searcher, Phrase("body", analyze(text))) == ids


def test_folded_and_stemmed_terms_are_found(searcher):
    assert found(searcher, Term("body", analyze("urumqi")[0])) == ["en"]
    assert found(searcher, Term("body", analyze("detains")[0])) == ["en"]
    assert found(searcher, Phrase("body", analyze("Not Guilty"))) == ["en"]
    assert found(searcher, Phrase("body", analyze("guilty not"))) == []


def test_analyzer_survives_pickling():
    restored = pickle.loads(pickle.dumps(TEXT_ANALYZER))  # noqa: S301 (our own data)
    assert restored == TEXT_ANALYZER
    assert [t.text for t in restored("Ürümqi detained 联合作战")] == [
        "urumqi",
        "detain",
        "联合",
        "合作",
        "作战",
    ]


# -- highlighting -----------------------------------------------------------------------------


def test_highlight_escapes_everything_and_marks_stemmed_match():
    html = highlight_html("He said: <script>alert('x')</script> & \"he\" was detained.", {"detain"})
    assert isinstance(html, SafeString)
    assert html == (
        "He said: &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;he&quot; "
        "was <mark>detained</mark>."
    )


def test_highlight_merges_cjk_bigrams_into_one_mark():
    html = highlight_html("报告称一体化联合作战平台收集数据。", set(analyze("联合作战")))
    assert html == "报告称一体化<mark>联合作战</mark>平台收集数据。"


def test_highlight_keeps_separate_words_separate():
    html = highlight_html("联合作战 联合 作战, detained Detains", set(analyze("联合作战 detain")))
    assert html == (
        "<mark>联合作战</mark> <mark>联合</mark> <mark>作战</mark>, "
        "<mark>detained</mark> <mark>Detains</mark>"
    )


def test_highlight_of_long_text_shows_two_fragments():
    text = (
        "She was detained in 2017. "
        + "Nothing else of note happened for a long time, the record says. " * 10
        + "Her brother was detained near Ürümqi."
    )
    html = highlight_html(text, {"detain", "urumqi"}, max_chars=80)
    assert html == (
        "She was <mark>detained</mark> in 2017. Nothing else … Her brother was "
        "<mark>detained</mark> near <mark>Ürümqi</mark>."
    )


def test_highlight_without_match_returns_escaped_start_cut_at_a_word():
    text = 'The <b>first</b> & "only" paragraph, which mentions nothing relevant at all here.'
    assert highlight_html(text, {"zzz"}, max_chars=40) == (
        "The &lt;b&gt;first&lt;/b&gt; &amp; &quot;only&quot; paragraph,…"
    )
    assert highlight_html("Short & <i>sweet</i>", set()) == "Short &amp; &lt;i&gt;sweet&lt;/i&gt;"
    assert highlight_html("", {"x"}) == ""


def test_highlight_window_starts_at_a_sentence_and_never_cuts_a_word():
    text = "x" * 300 + " Opening words. She was detained there. Then more text follows on."
    assert highlight_html(text, {"detain"}, max_chars=60) == (
        "…She was <mark>detained</mark> there. Then more text follows on."
    )
    assert highlight_html("a" * 500 + " detained", {"detain"}, max_chars=40) == (
        "…<mark>detained</mark>"
    )


def test_highlight_picks_best_fragments_and_ties_go_to_the_earlier():
    filler = " lorem ipsum dolor sit amet consectetur adipiscing elit sed do" * 3
    text = "alpha one." + filler + " beta two." + filler + " alpha beta three." + filler
    html = highlight_html(text, {"alpha", "beta"}, max_chars=60)
    # "alpha beta" (two distinct terms) wins; then the earlier of the equal single matches.
    assert html.count("<mark>") == 3
    assert html.startswith("<mark>alpha</mark> one.")
    assert "<mark>alpha</mark> <mark>beta</mark> three." in html
    assert "beta</mark> two" not in html
