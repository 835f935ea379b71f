"""The query language: exact ASTs, errors and their fallback, describe() round trips."""

import random

import pytest

from archive.search.query_language import (
    And,
    Field,
    Not,
    Or,
    ParseResult,
    Phrase,
    Range,
    Word,
    describe,
    parse,
    positive_leaves,
)

a, b, c, d = Word("a"), Word("b"), Word("c"), Word("d")


def node(text):
    result = parse(text)
    assert result.notice is None and result.fallback is False, result.notice
    return result.node


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("detained", Word("detained")),
        ("  detained  ", Word("detained")),
        ("a b", And((a, b))),
        ("a AND b", And((a, b))),
        ("a b AND c d", And((a, b, c, d))),
        ("a OR b", Or((a, b))),
        ("a OR b c", Or((a, And((b, c))))),
        ("a b OR c", Or((And((a, b)), c))),
        ("a OR b OR c", Or((a, b, c))),
        ("(a OR b) c", And((Or((a, b)), c))),
        ("a (b c)", And((a, b, c))),  # And in And flattens
        ("(a OR (b OR c))", Or((a, b, c))),  # Or in Or flattens
        ("((a))", a),
        ("((a OR b) (c OR d))", And((Or((a, b)), Or((c, d))))),
        # lower-case operators are words
        ("not guilty", And((Word("not"), Word("guilty")))),
        ("a and b or c", And((a, Word("and"), b, Word("or"), c))),
        ("And Or Not", And((Word("And"), Word("Or"), Word("Not")))),
        # negation
        ("a -b", And((a, Not(b)))),
        ('a -"b c"', And((a, Not(Phrase("b c"))))),
        ("a -(b OR c)", And((a, Not(Or((b, c)))))),
        ("a NOT b", And((a, Not(b)))),
        ("a AND NOT b", And((a, Not(b)))),
        ("NOT a b", And((Not(a), b))),
        ("NOT (a b) c", And((Not(And((a, b))), c))),
        ("a NOT NOT b", And((a, b))),
        ("a -b -c", And((a, Not(b), Not(c)))),
        ("a -camp:x", And((a, Not(Field("camp", Word("x")))))),
        ("Kashgar - Hotan", And((Word("Kashgar"), Word("Hotan")))),  # free-standing "-"
        ("foo--bar", And((Word("foo"), Word("bar")))),
        # words
        ("re-education", Word("re-education")),
        ("China’s U.S. don't", And((Word("China’s"), Word("U.S."), Word("don't")))),
        ("detained.", Word("detained")),
        ("维吾尔族音乐 Ürümqi", And((Word("维吾尔族音乐"), Word("Ürümqi")))),
        ("ئۇيغۇر", Word("ئۇيغۇر")),
        ("a, b; c!", And((a, b, c))),
        ("10:30", And((Word("10"), Word("30")))),
        ("http://x", And((Word("http"), Word("x")))),
        ("Note: the", And((Word("Note"), Word("the")))),
        # wildcard
        ("detain*", Word("detain", prefix=True)),
        ("re-edu*", Word("re-edu", prefix=True)),
        ("de*", Word("de", prefix=True)),
        ("AND*", Word("AND", prefix=True)),
        # phrases
        ('"facial recognition"', Phrase("facial recognition")),
        ('"  facial \n recognition "', Phrase("facial recognition")),
        ('"facial recognition"~5', Phrase("facial recognition", slop=5)),
        ('"a b"~0', Phrase("a b", slop=0)),
        ("“curly quotes”", Phrase("curly quotes")),
        ('"not guilty" OR "AND"', Or((Phrase("not guilty"), Phrase("AND")))),
        # fields
        ("camp:dabancheng-facility-1", Field("camp", Word("dabancheng-facility-1"))),
        ("Camp:X", Field("camp", Word("X"))),
        ('practice:"forced labour"', Field("practice", Phrase("forced labour"))),
        ('org:"a b"~3', Field("org", Phrase("a b", slop=3))),
        ("place:kash*", Field("place", Word("kash", prefix=True))),
        (
            "kind:testimony lang:zh",
            And((Field("kind", Word("testimony")), Field("lang", Word("zh")))),
        ),
        (
            "person:x group:y technology:z",
            And(
                (
                    Field("person", Word("x")),
                    Field("group", Word("y")),
                    Field("technology", Word("z")),
                )
            ),
        ),
        ("year:2018", Field("year", Range(2018, 2018))),
        ("year:2017..2019", Field("year", Range(2017, 2019))),
        ("year:1900..2100", Field("year", Range(1900, 2100))),
        ("year:2018.", Field("year", Range(2018, 2018))),
        ("camp:NOT", Field("camp", Word("NOT"))),
        ("a OR year:2018 b", Or((a, And((Field("year", Range(2018, 2018)), b))))),
    ],
)
def test_parse(query, expected):
    assert node(query) == expected


@pytest.mark.parametrize("query", ["", "   ", "\n\t", "!!! ,,", ":"])
def test_nothing_to_parse(query):
    assert parse(query) == ParseResult(None, None, False)


W = Word


@pytest.mark.parametrize(
    ("query", "expected", "notice"),
    [
        ('camp "abc', And((W("camp"), W("abc"))), "Unbalanced quote at character 6"),
        ("(a b", And((a, b)), "Unclosed parenthesis at character 1"),
        ("a (b (c)", And((a, b, c)), "Unclosed parenthesis at character 3"),
        ("a b)", And((a, b)), 'Unmatched ")" at character 4'),
        ("AND a", a, 'Nothing before "AND" at character 1'),
        ("OR a", a, 'Nothing before "OR" at character 1'),
        ("a AND", a, 'Nothing after "AND" at character 3'),
        ("a OR", a, 'Nothing after "OR" at character 3'),
        ("a NOT", a, 'Nothing after "NOT" at character 3'),
        ("a AND OR b", And((a, b)), 'Nothing after "AND" at character 3'),
        ("a (OR b)", And((a, b)), 'Nothing before "OR" at character 4'),
        ("a () b", And((a, b)), "Empty parentheses at character 3"),
        ('a "" b', And((a, b)), "Empty quotes at character 3"),
        ("camp:", W("camp"), 'Empty value for "camp:" at character 1'),
        ("a camp: b", And((a, W("camp"), b)), 'Empty value for "camp:" at character 3'),
        ("foo:bar", And((W("foo"), W("bar"))), 'Unknown field "foo" at character 1'),
        ('x Foo:"y"', And((W("x"), W("Foo"), W("y"))), 'Unknown field "Foo" at character 3'),
        (
            "year:2019..2017",
            And((W("year"), W("2019"), W("2017"))),
            "Year range 2019..2017 at character 6 runs backwards",
        ),
        (
            "year:abc",
            And((W("year"), W("abc"))),
            'Invalid year "abc" at character 6 (write 2018 or 2017..2019)',
        ),
        (
            "year:18",
            And((W("year"), W("18"))),
            'Invalid year "18" at character 6 (write 2018 or 2017..2019)',
        ),
        (
            "year:2017-2019",
            And((W("year"), W("2017-2019"))),
            'Invalid year "2017-2019" at character 6 (write 2018 or 2017..2019)',
        ),
        (
            "year:1700..2000",
            And((W("year"), W("1700"), W("2000"))),
            "Year range 1700..2000 at character 6 spans over 200 years",
        ),
        (
            "camp:1..2",
            And((W("camp"), W("1"), W("2"))),
            'Range ".." at character 7 (ranges only work with "year:")',
        ),
        ('"a b"~', And((a, b)), 'Missing number after "~" at character 6 (write "a b"~5)'),
        ('"a b"~x', And((a, b, W("x"))), 'Missing number after "~" at character 6 (write "a b"~5)'),
        (
            '"a b"~5x',
            And((a, b, W("5x"))),
            'Missing number after "~" at character 6 (write "a b"~5)',
        ),
        ('"a b"~2000', And((a, b, W("2000"))), "Proximity ~2000 at character 6 is over 1000"),
        (
            "a~2",
            And((a, W("2"))),
            'Misplaced "~" at character 2 (it can only follow a quoted phrase)',
        ),
        ("d*", W("d"), '"d*" at character 1 is too broad (a wildcard needs 2 characters first)'),
        ("联*", W("联"), '"联*" at character 1 is too broad (a wildcard needs 2 characters first)'),
        ("*tion", W("tion"), 'Misplaced "*" at character 1 (it can only end a word)'),
        (
            "de*tain",
            And((W("de"), W("tain"))),
            'Misplaced "*" at character 3 (it can only end a word)',
        ),
        ("-foo", W("foo"), "Nothing to search for, only exclusions, at character 1"),
        ("NOT foo", W("foo"), "Nothing to search for, only exclusions, at character 1"),
        ("-a -b", And((a, b)), "Nothing to search for, only exclusions, at character 1"),
        ("(-a) NOT b", And((a, b)), "Nothing to search for, only exclusions, at character 1"),
        ("a OR -b", And((a, b)), "An OR alternative at character 6 only excludes"),
        ("(a OR NOT b) c", And((a, b, c)), "An OR alternative at character 7 only excludes"),
        ("-NOT a", a, 'Nothing to exclude after "-" at character 1'),
        ("a" + " (" * 101 + "b", And((a, b)), "Too much nesting at character 203"),
    ],
)
def test_errors_fall_back_to_the_words(query, expected, notice):
    result = parse(query)
    assert result == ParseResult(expected, f"{notice}: searched for the words instead.", True)


def test_fallback_keeps_lowercase_operators_and_drops_uppercase_ones():
    result = parse('not AND and OR or NOT "x')
    assert result.node == And((W("not"), W("and"), W("or"), W("x")))
    assert result.fallback


@pytest.mark.parametrize(
    ("query", "notice"),
    [
        ('"', "Unbalanced quote at character 1"),
        ("()", "Empty parentheses at character 1"),
        ("NOT", 'Nothing after "NOT" at character 1'),
        ("AND OR", 'Nothing before "AND" at character 1'),
        ("*", 'Misplaced "*" at character 1 (it can only end a word)'),
    ],
)
def test_fallback_without_words_has_no_node(query, notice):
    assert parse(query) == ParseResult(None, f"{notice}: there is nothing to search for.", True)


def test_the_first_error_by_position_is_reported():
    assert parse('a AND ) "b').notice == (
        'Nothing after "AND" at character 3: searched for the words instead.'
    )
    assert (
        parse('"b a AND )').notice
        == "Unbalanced quote at character 1: searched for the words instead."
    )


def test_positive_leaves():
    parsed = node('detained "facial recognition"~3 -uyghur* camp:x (a OR -b c) NOT (d a) detained')
    assert positive_leaves(parsed) == [
        Word("detained"),
        Phrase("facial recognition", slop=3),
        a,
        c,
    ]
    assert positive_leaves(node("a OR bb*")) == [a, Word("bb", prefix=True)]
    assert positive_leaves(node("year:2018")) == []
    assert positive_leaves(None) == []


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("a AND b", "a b"),
        ("a OR b c", "a OR b c"),
        ("(a OR b) c", "(a OR b) c"),
        ("NOT a b", "-a b"),
        ("b NOT (a OR c)", "b -(a OR c)"),
        ("b -(a c)", "b -(a c)"),
        ('"facial  recognition"~5 detain*', '"facial recognition"~5 detain*'),
        ("“curly”", '"curly"'),
        ("Camp:dabancheng-facility-1", "camp:dabancheng-facility-1"),
        ("year:2018 OR year:2017..2019", "year:2018 OR year:2017..2019"),
        ('org:"a b"~2 -place:kash*', 'org:"a b"~2 -place:kash*'),
        ("China’s U.S. re-education", "China’s U.S. re-education"),
        ("((a OR b) (c OR d)) OR x", "(a OR b) (c OR d) OR x"),
        ("camp:NOT AND*", "camp:NOT AND*"),
        ('维吾尔 -"联合 作战"', '维吾尔 -"联合 作战"'),
    ],
)
def test_describe_round_trips(query, canonical):
    parsed = node(query)
    assert describe(parsed) == canonical
    assert parse(canonical) == ParseResult(parsed)


def test_describe_of_nothing():
    assert describe(None) == ""


def test_fallback_nodes_round_trip_too():
    result = parse('foo:bar "re-education China’s U.S.')
    assert result.fallback
    assert parse(describe(result.node)) == ParseResult(result.node)


def test_parse_never_raises():
    rng = random.Random(20240611)  # a local generator: Whoosh uses the global one
    alphabet = [
        "a",
        "b",
        '"',
        "(",
        ")",
        "-",
        "*",
        ":",
        "~",
        ".",
        "1",
        "9",
        "AND",
        "OR",
        "NOT",
        "联",
        " ",
    ]
    fell_back = parsed = 0
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        result = parse(text)
        assert isinstance(result, ParseResult)
        if result.fallback:
            fell_back += 1
            assert result.notice
        elif result.node is not None:
            parsed += 1
            assert result.notice is None
            assert parse(describe(result.node)).node == result.node
    # Both paths were exercised.
    assert fell_back > 100 and parsed > 100


@pytest.mark.parametrize("junk", [None, 42, "\x00", "a" * 10_000, "(" * 5000, "NOT " * 3000 + "a"])
def test_parse_survives_junk(junk):
    assert isinstance(parse(junk), ParseResult)
