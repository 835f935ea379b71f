"""Text analysis for the archive's full-text field, and highlighting with the same analyzer.

The analyzer is: CjkBigramTokenizer -> LowercaseFilter -> CharsetFilter(FOLD_MAP) -> StemFilter.

* Tokenizing. CJK runs (Han including Extensions A+, kana, Hangul, Bopomofo) become
  overlapping bigrams at consecutive positions ("一体化联合" -> 一体 体化 化联 联合), so the
  bigrams of any substring of two or more characters form a phrase that matches the document;
  a one-character run is one token. Everything else is split into ``\\w+`` words, kept whole
  across combining marks and soft hyphens / zero-width joiners (PDF text is full of those).
  Apostrophes, hyphens and dots split words: "China’s" -> china, s; "U.S." -> u, s.
* Folding. Lower case, then Whoosh's ``accent_map`` ("Ürümqi" -> urumqi, "Ní Aoláin" ->
  ni aolain), extended so that decomposed accents, ß, æ, œ and the ﬁ/ﬂ ligatures fold the same
  way as their precomposed or spelled-out forms.
* Stemming. English Porter stemming ("detained", "detains" -> detain; "detention" -> detent).
  Non-Latin tokens pass through unchanged. There is NO stop-word removal: "not guilty" and
  "no due process" stay exact phrases.

Whoosh pickles the schema, analyzer included, into the index, so everything here is defined at
module level. Changing the analysis means rebuilding the index.
"""

import functools
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from itertools import pairwise

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, StemFilter, Token, Tokenizer
from whoosh.highlight import BasicFragmentScorer, Formatter, Fragment, Fragmenter, get_text
from whoosh.lang.porter import stem as porter_stem
from whoosh.support.charset import accent_map

__all__ = [
    "FOLD_MAP",
    "TEXT_ANALYZER",
    "CjkBigramTokenizer",
    "MarkFormatter",
    "PassageFragmenter",
    "analyze",
    "fold",
    "highlight_html",
    "index_tokens",
    "is_cjk",
    "text_analyzer",
]

# -- character classes ------------------------------------------------------------------------

# Scripts written without spaces, indexed as bigrams. Punctuation inside these blocks (・ ゠ 〃,
# the spacing voiced-sound marks) is left out on purpose.
_CJK_RANGES = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3021, 0x3029),  # Hangzhou numerals
    (0x3031, 0x3035),  # vertical kana repeat marks
    (0x303B, 0x303C),  # 〻 〼
    (0x3041, 0x3096),  # Hiragana
    (0x309D, 0x309F),  # ゝ ゞ ゟ
    (0x30A1, 0x30FA),  # Katakana
    (0x30FC, 0x30FF),  # ー ヽ ヾ ヿ
    (0x3105, 0x312F),  # Bopomofo
    (0x3131, 0x318E),  # Hangul compatibility Jamo
    (0x31A0, 0x31BF),  # Bopomofo extended
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xA960, 0xA97F),  # Hangul Jamo Extended-A
    (0xAC00, 0xD7A3),  # Hangul syllables
    (0xD7B0, 0xD7FF),  # Hangul Jamo Extended-B
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # halfwidth Katakana
    (0xFFA0, 0xFFDC),  # halfwidth Hangul
    (0x1B000, 0x1B16F),  # Kana supplement, Kana extended-A, small Kana extension
    (0x20000, 0x2FA1F),  # CJK Extensions B-F and I, compatibility supplement
    (0x30000, 0x323AF),  # CJK Extensions G and H
)
# Marks that belong to the preceding CJK character: kana voicing marks, variation selectors.
_CJK_ATTACH_RANGES = ((0x3099, 0x309A), (0xFE00, 0xFE0F), (0xE0100, 0xE01EF))
_VARIATION_SELECTORS = frozenset([*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)])
# Invisible characters found inside words (soft hyphen, ZWNJ, ZWJ, word joiner): they continue
# a word and are deleted by folding.
_INVISIBLE_JOINERS = (0x00AD, 0x200C, 0x200D, 0x2060)


def _class(ranges: Iterable[tuple[int, int]]) -> str:
    """The inside of a regex character class for code point ranges."""
    return "".join(f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges)


def _ranges(codepoints: Iterable[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for cp in sorted(codepoints):
        if out and cp == out[-1][1] + 1:
            out[-1] = (out[-1][0], cp)
        else:
            out.append((cp, cp))
    return out


# Combining marks (Mn, Mc, Me) of the Basic Multilingual Plane: Python's \w does not match them,
# so without this "Ni\u0301" or a Devanagari word would be cut in pieces.
_MARKS = _ranges(cp for cp in range(0x10000) if unicodedata.category(chr(cp)).startswith("M"))
_CJK = _class(_CJK_RANGES)
_CJK_ATTACH = _class(_CJK_ATTACH_RANGES)
_WORD_CONTINUE = _class(_MARKS + [(cp, cp) for cp in _INVISIBLE_JOINERS])

_TOKEN_RE = re.compile(
    rf"(?P<cjk>[{_CJK}]+(?:[{_CJK_ATTACH}]+[{_CJK}]*)*)"
    rf"|[^\W{_CJK}]+(?:[{_WORD_CONTINUE}]+[^\W{_CJK}]*)*"
)
_CJK_CHAR_RE = re.compile(f"[{_CJK}]")
_CJK_ATTACH_RE = re.compile(f"[{_CJK_ATTACH}]")


def is_cjk(char: str) -> bool:
    """True if `char` is a character of a script indexed as bigrams."""
    return bool(_CJK_CHAR_RE.fullmatch(char))


# -- folding ----------------------------------------------------------------------------------

_FOLD_EXTRA = {
    "ß": "ss",
    "æ": "ae",
    "œ": "oe",
    "ĳ": "ij",
    "ﬀ": "ff",
    "ﬁ": "fi",
    "ﬂ": "fl",
    "ﬃ": "ffi",
    "ﬄ": "ffl",
    "ﬅ": "st",
    "ﬆ": "st",
}
# Combining diacritics of Latin, Greek and Cyrillic (not Arabic, Hebrew or kana marks, which
# change letters rather than accent them): decomposed "i\u0301" folds like "í".
_DIACRITIC_RANGES = (
    (0x0300, 0x036F),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
)
FOLD_MAP: dict[int, str | None] = {
    **accent_map,
    **{ord(k): v for k, v in _FOLD_EXTRA.items()},
    **{cp: None for lo, hi in _DIACRITIC_RANGES for cp in range(lo, hi + 1)},
    **{cp: None for cp in _INVISIBLE_JOINERS},
    **{cp: None for cp in _VARIATION_SELECTORS},
}


def fold(text: str) -> str:
    """Lower-case and accent-fold `text` exactly as the analyzer does, without tokenizing or
    stemming: fold("Ürümqi") == "urumqi"."""
    return text.lower().translate(FOLD_MAP)


# -- tokenizer --------------------------------------------------------------------------------


def _cjk_units(run: str, offset: int) -> list[tuple[str, int, int]]:
    """(text, start, end) of each character of a CJK run; attached marks extend the character
    before them (variation selectors are dropped from the text, kana voicing is composed)."""
    if not _CJK_ATTACH_RE.search(run):
        return [(ch, offset + i, offset + i + 1) for i, ch in enumerate(run)]
    units: list[list] = []
    for i, ch in enumerate(run):
        if units and _CJK_ATTACH_RE.fullmatch(ch):
            unit = units[-1]
            if ord(ch) not in _VARIATION_SELECTORS:
                unit[0] = unicodedata.normalize("NFC", unit[0] + ch)
            unit[2] = offset + i + 1
        else:
            units.append([ch, offset + i, offset + i + 1])
    return [(text, start, end) for text, start, end in units]


def _cjk_spans(match: re.Match) -> list[tuple[str, int, int]]:
    """(text, start, end) of the tokens of one CJK run: its bigrams, or its one character."""
    units = _cjk_units(match.group(), match.start())
    if len(units) == 1:
        return units
    return [(a[0] + b[0], a[1], b[2]) for a, b in pairwise(units)]


class CjkBigramTokenizer(Tokenizer):
    """Words for alphabetic scripts, overlapping bigrams for CJK runs.

    >>> [t.text for t in CjkBigramTokenizer()("Urumqi 联合作战")]
    ['Urumqi', '联合', '合作', '作战']

    Follows the protocol of whoosh.analysis.RegexTokenizer: one Token object is reused and
    yielded for every token, so consumers must copy what they keep.
    """

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        if not isinstance(value, str):
            raise TypeError(f"{value!r} is not a str")
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return

        pos = start_pos
        for match in _TOKEN_RE.finditer(value):
            if match.lastgroup == "cjk":
                spans = _cjk_spans(match)
            else:
                spans = [(match.group(), match.start(), match.end())]
            for text, start, end in spans:
                t.text = text
                t.boost = 1.0
                if keeporiginal:
                    t.original = text
                t.stopped = False
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar = start_char + start
                    t.endchar = start_char + end
                pos += 1
                yield t


# -- analyzer ---------------------------------------------------------------------------------


# Porter stemming behind a thread-safe cache: Whoosh's own StemFilter cache (lfu_cache) evicts
# from a plain dict that other threads may be iterating. A module-level function, so the
# pickled schema refers to it by name.
@functools.lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """Porter stem of one folded word, cached."""
    return porter_stem(word)


def text_analyzer():
    """A fresh analyzer: CjkBigramTokenizer | LowercaseFilter | CharsetFilter | StemFilter."""
    return (
        CjkBigramTokenizer()
        | LowercaseFilter()
        | CharsetFilter(FOLD_MAP)
        | StemFilter(stemfn=stem, cachesize=None)
    )


TEXT_ANALYZER = text_analyzer()


@functools.lru_cache(maxsize=200_000)
def _index_term(word: str) -> str:
    return stem(word.lower().translate(FOLD_MAP))


def index_tokens(text: str) -> list[str]:
    """The texts of TEXT_ANALYZER's tokens for `text` in index mode, in order.

    The analyzer passes one Token object through four generators for every word; a rebuild
    analyzes every paragraph, and that machinery was about a tenth of its time. This is the
    same tokenizing and the same filters in one loop, each surface form folded and stemmed
    once (tests/search/test_analysis.py holds it equal to the analyzer)."""
    out: list[str] = []
    append, term = out.append, _index_term
    for match in _TOKEN_RE.finditer(text):
        if match.lastgroup == "cjk":
            out.extend(term(unit) for unit, _, _ in _cjk_spans(match))
        else:
            append(term(match.group()))
    return out


PAIR_SEPARATOR = " "  # no token contains a space


class PairFilter(Filter):
    """Each token joined to the one before it: "re-education camps" indexes "re educ" and
    "educ camp". A two-word phrase is then one term lookup, and a longer one an intersection
    of short lists checked against positions, instead of position lists of common words.
    Module-level so Whoosh can pickle the schema."""

    def __call__(self, tokens):
        previous = None
        for token in tokens:
            text = token.text
            if previous is not None:
                token.text = previous + PAIR_SEPARATOR + text
                yield token
            previous = text


def pairs_analyzer():
    return text_analyzer() | PairFilter()


def pairs(tokens: list[str]) -> list[str]:
    """The pair terms of a phrase's tokens, as PairFilter indexes them."""
    return [a + PAIR_SEPARATOR + b for a, b in pairwise(tokens)]


def analyze(text: str) -> list[str]:
    """The token texts the analyzer produces for `text`, in order: what a query must match."""
    return [t.text for t in TEXT_ANALYZER(text, mode="query")]


# -- highlighting -----------------------------------------------------------------------------

ELLIPSIS = "…"
FRAGMENT_JOINER = " … "
TOP_FRAGMENTS = 2

# Where a sentence starts: after . ! ? (and closing quotes/brackets) and a space, or after a
# CJK full stop.
_SENTENCE_START_RE = re.compile(r"[.!?][)\]\"'”’」』]*\s+|[。！？][」』”’]*")


class MarkFormatter(Formatter):
    """Whoosh formatter producing safe HTML: every character of the source is escaped (with
    django.utils.html.escape), matches are wrapped in <mark>, and touching or overlapping
    matches (the bigrams of one CJK phrase) become a single <mark>. "…" marks where the text
    is cut, and fragments are joined by " … ".

    Whoosh's own Formatter.format_fragment skips any match starting before the previous one
    ends, which renders 联合作战 as <mark>联合</mark><mark>作战</mark>; hence the merging here.
    """

    between = FRAGMENT_JOINER

    def _text(self, text):
        return escape(text)

    def format_token(self, text, token, replace=False):
        return f"<mark>{escape(get_text(text, token, replace))}</mark>"

    @staticmethod
    def merged_spans(fragment) -> list[tuple[int, int]]:
        spans: list[list[int]] = []
        for t in sorted(fragment.matches, key=lambda m: (m.startchar, m.endchar)):
            start = max(t.startchar, fragment.startchar)
            end = min(t.endchar, fragment.endchar)
            if end <= start:
                continue
            if spans and start <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], end)
            else:
                spans.append([start, end])
        return [(s, e) for s, e in spans]

    def format_fragment(self, fragment, replace=False):
        text = fragment.text
        out, index = [], fragment.startchar
        for start, end in self.merged_spans(fragment):
            out.append(self._text(text[index:start]))
            out.append(f"<mark>{escape(text[start:end])}</mark>")
            index = end
        out.append(self._text(text[index : fragment.endchar]))
        return "".join(out)

    def format(self, fragments, replace=False):
        if not fragments:
            return ""
        body = self.between.join(self.format_fragment(f) for f in fragments)
        text = fragments[0].text
        head = ELLIPSIS if fragments[0].startchar > 0 else ""
        tail = ELLIPSIS if fragments[-1].endchar < len(text) else ""
        return head + body + tail


class PassageFragmenter(Fragmenter):
    """Windows of at most `maxchars` characters around runs of matches.

    Whoosh's ContextFragmenter counts only token characters against maxchars (so fragments run
    long), lets the matched token itself use up the context after it, and ranks equal
    fragments by object id. Here: matches are grouped greedily while they fit in `maxchars`;
    the rest of the window is context split evenly before and after, starting at a sentence
    start where one is in reach, and cut at token boundaries, never inside a word.
    """

    def __init__(self, maxchars: int = 160):
        self.maxchars = maxchars
        self.charlimit = None

    def fragment_tokens(self, text, all_tokens):
        return self.fragments(text, _TokenSpans(all_tokens))

    def fragments(self, text: str, spans: "_TokenSpans") -> list[Fragment]:
        out, matches, i = [], spans.matches, 0
        while i < len(matches):
            lo = matches[i].startchar
            j, hi = i + 1, matches[i].endchar
            while j < len(matches) and matches[j].endchar - lo <= self.maxchars:
                hi = max(hi, matches[j].endchar)
                j += 1
            out.append(self._window(text, spans, matches[i:j], lo, hi))
            i = j
        return out

    def _window(self, text, spans, group, lo: int, hi: int) -> Fragment:
        spare = max(self.maxchars - (hi - lo), 0)
        before = min(lo, spare // 2)
        after = min(len(text) - hi, spare - before)
        before = min(lo, spare - after)
        start = lo - before
        sentence = None
        for m in _SENTENCE_START_RE.finditer(text, start, lo):
            sentence = m.end()
        if sentence is not None and sentence <= lo:
            after = min(len(text) - hi, after + (sentence - start))
            start = sentence
        end = hi + after
        return Fragment(
            text, group, spans.start_at_or_after(start, lo), spans.end_at_or_before(end, hi)
        )


class _TokenSpans:
    """Character spans of every token (to cut at token boundaries) and copies of the matches."""

    def __init__(self, tokens):
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.matches: list[Token] = []
        for t in tokens:
            self.starts.append(t.startchar)
            self.ends.append(t.endchar)
            if t.matched:
                self.matches.append(t.copy())
        self.length = self.ends[-1] if self.ends else 0

    def start_at_or_after(self, pos: int, limit: int) -> int:
        """The first token start >= pos (0 stays 0), but not after `limit`."""
        if pos <= 0:
            return 0
        k = bisect_left(self.starts, pos)
        return min(self.starts[k], limit) if k < len(self.starts) else limit

    def end_at_or_before(self, pos: int, limit: int) -> int:
        """The last token end <= pos, but not before `limit`; the text end if no token follows."""
        if pos >= self.length:
            return pos
        k = bisect_right(self.ends, pos)
        return max(self.ends[k - 1], limit) if k else limit


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_" or unicodedata.category(char).startswith("M")


def _is_opening(char: str) -> bool:
    return char in "\"'" or unicodedata.category(char) in ("Ps", "Pi")


def _widen_to_punctuation(fragment) -> None:
    """Take in punctuation touching the fragment (an opening quote or bracket before it, a full
    stop, comma or closing bracket after it), so that "released." does not end "released…"."""
    text = fragment.text
    start, end = fragment.startchar, fragment.endchar
    while start > 0 and _is_opening(text[start - 1]):
        start -= 1
    while end < len(text) and not text[end].isspace() and not _is_word_char(text[end]):
        end += 1
    fragment.startchar, fragment.endchar = start, end


def _cut_point(text: str, lo: int, hi: int) -> int:
    """Where to cut `text` at or before `hi` (and after `lo`) without splitting a word: at
    whitespace if there is some, else next to punctuation or between two CJK characters;
    `hi` itself if there is no such place."""
    hi = min(hi, len(text))
    if hi >= len(text) or hi <= lo:
        return hi
    for i in range(hi, lo, -1):
        if text[i].isspace() and not text[i - 1].isspace():
            return i
    for i in range(hi, lo, -1):
        a, b = text[i - 1], text[i]
        if not (_is_word_char(a) and _is_word_char(b)) or is_cjk(a) or is_cjk(b):
            return i
    return hi


def _text_start(text: str, max_chars: int) -> SafeString:
    if len(text) <= max_chars:
        return mark_safe(escape(text))  # noqa: S308 (escaped)
    cut = _cut_point(text, max_chars // 2, max_chars)
    return mark_safe(escape(text[:cut].rstrip()) + ELLIPSIS)  # noqa: S308 (escaped)


def _best(fragments: list[Fragment], count: int) -> list[Fragment]:
    """The `count` best fragments (ties go to the earlier one), in text order."""
    scorer = BasicFragmentScorer()
    ranked = sorted(fragments, key=lambda f: (-scorer(f), f.startchar))[:count]
    return sorted(ranked, key=lambda f: f.startchar)


def highlight_html(
    text: str, terms: Iterable[str], *, max_chars: int = 320, analyzer=None
) -> SafeString:
    """A safe HTML snippet of `text` with matches of `terms` wrapped in <mark>.

    `terms` are analyzed token texts (see analyze()): {"detain"} marks "detained", {"联合",
    "合作", "作战"} marks 联合作战 as one <mark>. If all matches fit in one window of
    `max_chars` characters, that window is shown (a text that short is shown whole); otherwise
    the best TOP_FRAGMENTS windows of half that size, in text order, joined by " … ". "…"
    marks where the text is cut. If nothing matches, the start of the text, cut at a word
    boundary. Pass `analyzer` to highlight with another field's analysis.
    """
    text = text or ""
    max_chars = max(int(max_chars), 20)
    termset = frozenset(terms)
    if termset and text:
        analyzer = analyzer or TEXT_ANALYZER
        tokens = analyzer(text, chars=True, mode="query", removestops=False)
        spans = _TokenSpans(_set_matched(tokens, termset))
        if spans.matches:
            fragments = PassageFragmenter(max_chars).fragments(text, spans)
            if len(fragments) > 1:
                per_fragment = max(max_chars // TOP_FRAGMENTS, 10)
                fragments = PassageFragmenter(per_fragment).fragments(text, spans)
                fragments = _best(fragments, TOP_FRAGMENTS)
            for fragment in fragments:
                _widen_to_punctuation(fragment)
            return mark_safe(MarkFormatter().format(fragments))  # noqa: S308 (escaped)
    return _text_start(text, max_chars)


def _set_matched(tokens, termset):
    for t in tokens:
        t.matched = t.text in termset
        yield t
