"""The archive's search query language, parsed to a small AST (no search-engine objects here).

Grammar
-------
::

    query    := or_expr
    or_expr  := and_expr ( "OR" and_expr )*
    and_expr := unary ( ["AND"] unary )*              # juxtaposition is AND
    unary    := "NOT" unary | "-" primary | primary
    primary  := "(" or_expr ")" | field | phrase | word
    field    := NAME ":" ( word | phrase | range )    # no space around ":"
    phrase   := QUOTE chars QUOTE [ "~" INT ]          # "facial recognition"~5
    word     := WORDCHARS [ "*" ]                      # detain*
    range    := YEAR [ ".." YEAR ]                     # only for year: year:2017..2019

Precedence, loosest first: OR, then AND (written or implied), then NOT and "-".
``a OR b c`` means ``a OR (b AND c)``; use parentheses to group otherwise.

Rules
-----
* Operators. ``AND``, ``OR`` and ``NOT`` are operators only in UPPER CASE; "and", "or",
  "not" are ordinary words ("not guilty" searches both words).
* Words. Letters and digits of any script, and ``_``; hyphens, apostrophes and dots inside a
  word keep it whole ("re-education", "China’s", "U.S."). Other punctuation (, ; ! ? / : and
  the like) separates words and is otherwise ignored, so "10:30" is the words 10 and 30.
* Wildcard. ``*`` may only end a word, with at least 2 characters before it: ``detain*``.
* Phrases. Straight or curly double quotes: ``"facial recognition"`` finds the words next to
  each other, in order; ``"facial recognition"~5`` lets them be up to 5 positions apart
  (at most 1000).
* Excluding. ``-word``, ``-"a phrase"``, ``-field:value`` and ``-(a group)`` exclude; so does
  ``NOT``. A "-" only excludes at the start of a term (after a space or "(" or at the
  beginning); a free-standing "-", as in "Kashgar - Hotan", is ignored. A query must search
  for something: it cannot consist only of exclusions, and every alternative of an OR must
  search for something (``a OR -b`` is refused).
* Fields. ``camp:``, ``practice:``, ``technology:``, ``org:``, ``place:``, ``person:``,
  ``group:``, ``kind:``, ``lang:`` take a word (slugs such as ``camp:dabancheng-facility-1``
  are one word; a trailing ``*`` is allowed) or a quoted phrase. ``year:`` takes a 4-digit
  year (``year:2018``) or a range (``year:2017..2019``, from <= to, at most 200 years). Field
  names are case-insensitive. An unknown name followed directly by a value (``foo:bar``) is an
  error; a colon after anything else is punctuation ("Note: the", "http://x").

Errors
------
``parse`` never raises. On a syntax error it falls back to searching for every word of the
input (operators and punctuation dropped) and returns a notice naming the problem and its
position (1-based character), e.g. "Unbalanced quote at character 12: searched for the words
instead."
"""

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "FIELDS",
    "And",
    "Field",
    "Node",
    "Not",
    "Or",
    "ParseResult",
    "Phrase",
    "Range",
    "Word",
    "describe",
    "parse",
    "positive_leaves",
]

FIELDS = frozenset(
    {"camp", "practice", "technology", "org", "place", "person", "group", "kind", "lang", "year"}
)
OPERATORS = frozenset({"AND", "OR", "NOT"})
MAX_SLOP = 1000
MAX_YEAR_SPAN = 200
MAX_DEPTH = 100  # nesting of parentheses and NOTs

# -- AST ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    text: str
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    text: str
    slop: int | None = None


@dataclass(frozen=True)
class Range:
    lo: int
    hi: int


@dataclass(frozen=True)
class Field:
    name: str
    value: Word | Phrase | Range


@dataclass(frozen=True)
class And:
    children: tuple


@dataclass(frozen=True)
class Or:
    children: tuple


@dataclass(frozen=True)
class Not:
    child: object


Node = Word | Phrase | Field | And | Or | Not


@dataclass(frozen=True)
class ParseResult:
    node: Node | None
    notice: str | None = None
    fallback: bool = False


def _and(children) -> Node:
    flat: list = []
    for child in children:
        flat.extend(child.children if isinstance(child, And) else (child,))
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def _or(children) -> Node:
    flat: list = []
    for child in children:
        flat.extend(child.children if isinstance(child, Or) else (child,))
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


def _not(child) -> Node:
    return child.child if isinstance(child, Not) else Not(child)


# -- characters --------------------------------------------------------------------------------

# Combining marks continue a word (Python's \w does not match them): "Ni\u0301", Devanagari.
_MARKS = "".join(chr(cp) for cp in range(0x10000) if unicodedata.category(chr(cp)).startswith("M"))
_W = rf"[\w{re.escape(_MARKS)}\u00ad\u200c\u200d\u2060]"
# A word: starts with \w; hyphens, apostrophes and dots only between word characters.
_WORD_RE = re.compile(rf"\w{_W}*(?:[-\u2010\u2011'’.]{_W}+)*")
_YEAR_RE = re.compile(r"(\d{4})(?:\.\.(\d{4}))?")
_YEAR_RAW_RE = re.compile(r"[\w.\-\u2013]+")  # takes in "2017-2019" to refuse it
_NAME_RE = re.compile(r"[A-Za-z]+")
QUOTES = frozenset('"“”')


_WORD_START_RE = re.compile(r"\w")


def _is_word_start(char: str) -> bool:
    return bool(_WORD_START_RE.match(char))


def _word_end(text: str, i: int) -> int:
    """End of the word starting at `i` (text[i] is a word start). A trailing dot is kept after
    an abbreviation with inner dots ("U.S."), not after an ordinary word ("detained.")."""
    m = _WORD_RE.match(text, i)
    end = m.end()
    if text[end : end + 1] == "." and "." in m.group() and text[end + 1 : end + 2] != ".":
        return end + 1
    return end


# -- lexer -------------------------------------------------------------------------------------


class QueryError(Exception):
    """A syntax error: `message` has "{at}" where the 1-based position goes."""

    def __init__(self, message: str, position: int):
        super().__init__(message)
        self.message = message
        self.position = position  # 0-based index into the query


@dataclass(frozen=True)
class _Tok:
    kind: str  # WORD PHRASE FIELD LPAREN RPAREN AND OR NOT MINUS ERROR END
    pos: int
    node: object = None
    error: QueryError | None = None


def _lex_phrase(text: str, i: int) -> tuple[Phrase, int]:
    """The phrase opening at text[i] (a quote) and the index after it (and after any ~N)."""
    j = i + 1
    while j < len(text) and text[j] not in QUOTES:
        j += 1
    if j >= len(text):
        raise QueryError("Unbalanced quote at character {at}", i)
    content = " ".join(text[i + 1 : j].split())
    if not any(_is_word_start(c) for c in content):
        raise QueryError("Empty quotes at character {at}", i)
    j += 1
    slop = None
    if text[j : j + 1] == "~":
        m = re.compile(r"\d+").match(text, j + 1)
        if m is None or _is_word_start(text[m.end() : m.end() + 1]):
            raise QueryError('Missing number after "~" at character {at} (write "a b"~5)', j)
        slop = int(m.group())
        if slop > MAX_SLOP:
            raise QueryError(f"Proximity ~{slop} at character {{at}} is over {MAX_SLOP}", j)
        j = m.end()
    return Phrase(content, slop), j


def _lex_word(text: str, i: int, *, operators: bool) -> tuple[_Tok, int]:
    end = _word_end(text, i)
    word = text[i:end]
    if text[end : end + 1] == "*":
        if len(word) < 2:
            raise QueryError(
                f'"{word}*" at character {{at}} is too broad (a wildcard needs 2 characters first)',
                i,
            )
        if _is_word_start(text[end + 1 : end + 2]) or text[end + 1 : end + 2] == "*":
            raise QueryError('Misplaced "*" at character {at} (it can only end a word)', end)
        return _Tok("WORD", i, Word(word, prefix=True)), end + 1
    if operators and word in OPERATORS:
        return _Tok(word, i), end
    return _Tok("WORD", i, Word(word)), end


def _lex_field(text: str, i: int, name: str, colon: int) -> tuple[_Tok, int]:
    v = colon + 1
    nxt = text[v : v + 1]
    if nxt in QUOTES and nxt:
        phrase, end = _lex_phrase(text, v)
        return _Tok("FIELD", i, Field(name, phrase)), end
    if not _is_word_start(nxt):
        raise QueryError(f'Empty value for "{name}:" at character {{at}}', i)
    if name == "year":
        m = _YEAR_RAW_RE.match(text, v)
        raw, end = m.group(), m.end()
        if raw.endswith(".") and not raw.endswith(".."):  # "year:2018." ends a sentence
            raw, end = raw[:-1], end - 1
        ym = _YEAR_RE.fullmatch(raw)
        if ym is None:
            raise QueryError(
                f'Invalid year "{raw}" at character {{at}} (write 2018 or 2017..2019)', v
            )
        lo = int(ym.group(1))
        hi = int(ym.group(2)) if ym.group(2) else lo
        if lo > hi:
            raise QueryError(f"Year range {raw} at character {{at}} runs backwards", v)
        if hi - lo > MAX_YEAR_SPAN:
            raise QueryError(
                f"Year range {raw} at character {{at}} spans over {MAX_YEAR_SPAN} years", v
            )
        return _Tok("FIELD", i, Field(name, Range(lo, hi))), end
    tok, end = _lex_word(text, v, operators=False)
    if text[end : end + 2] == "..":
        raise QueryError('Range ".." at character {at} (ranges only work with "year:")', end)
    return _Tok("FIELD", i, Field(name, tok.node)), end


def _lex(text: str) -> list[_Tok]:
    """Tokens; a lexical error becomes an ERROR token (so earlier parse errors win) and ends."""
    toks: list[_Tok] = []
    i, n = 0, len(text)
    try:
        while i < n:
            c = text[i]
            if c.isspace():
                i += 1
            elif c == "(":
                toks.append(_Tok("LPAREN", i))
                i += 1
            elif c == ")":
                toks.append(_Tok("RPAREN", i))
                i += 1
            elif c in QUOTES:
                phrase, end = _lex_phrase(text, i)
                toks.append(_Tok("PHRASE", i, phrase))
                i = end
            elif c == "-":
                at_start = i == 0 or text[i - 1].isspace() or text[i - 1] == "("
                nxt = text[i + 1 : i + 2]
                if at_start and nxt and (_is_word_start(nxt) or nxt in QUOTES or nxt == "("):
                    toks.append(_Tok("MINUS", i))
                i += 1
            elif c == "*":
                raise QueryError('Misplaced "*" at character {at} (it can only end a word)', i)
            elif c == "~":
                raise QueryError(
                    'Misplaced "~" at character {at} (it can only follow a quoted phrase)', i
                )
            elif _is_word_start(c):
                word_end = _word_end(text, i)
                word = text[i:word_end]
                if text[word_end : word_end + 1] == ":" and _NAME_RE.fullmatch(word):
                    name = word.lower()
                    nxt = text[word_end + 1 : word_end + 2]
                    if name in FIELDS:
                        tok, i = _lex_field(text, i, name, word_end)
                        toks.append(tok)
                        continue
                    if nxt and (_is_word_start(nxt) or nxt in QUOTES):
                        raise QueryError(f'Unknown field "{word}" at character {{at}}', i)
                tok, i = _lex_word(text, i, operators=True)
                toks.append(tok)
            else:
                i += 1  # other punctuation separates words
    except QueryError as error:
        toks.append(_Tok("ERROR", error.position, error=error))
        return toks
    toks.append(_Tok("END", n))
    return toks


# -- parser ------------------------------------------------------------------------------------

_STARTS_UNARY = frozenset({"WORD", "PHRASE", "FIELD", "LPAREN", "NOT", "MINUS"})


def _positive(node) -> bool:
    """Whether `node` searches for something (rather than only excluding)."""
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_positive(c) for c in node.children)
    if isinstance(node, Or):
        return all(_positive(c) for c in node.children)
    return True


class _Parser:
    def __init__(self, toks: list[_Tok]):
        self.toks = toks
        self.i = 0
        self.depth = 0

    def peek(self) -> _Tok:
        tok = self.toks[self.i]
        if tok.kind == "ERROR":
            raise tok.error
        return tok

    def take(self) -> _Tok:
        tok = self.peek()
        self.i += 1
        return tok

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError("Too much nesting at character {at}", pos)

    def query(self):
        node = self.or_expr()
        tok = self.peek()
        if tok.kind == "RPAREN":
            raise QueryError('Unmatched ")" at character {at}', tok.pos)
        if not _positive(node):
            raise QueryError(
                "Nothing to search for, only exclusions, at character {at}", self.toks[0].pos
            )
        return node

    def or_expr(self):
        start = self.peek().pos
        parts = [(start, self.and_expr())]
        while self.peek().kind == "OR":
            op = self.take()
            if self.peek().kind not in _STARTS_UNARY:
                raise QueryError('Nothing after "OR" at character {at}', op.pos)
            parts.append((self.peek().pos, self.and_expr()))
        if len(parts) > 1:
            for pos, node in parts:
                if not _positive(node):
                    raise QueryError("An OR alternative at character {at} only excludes", pos)
        return _or(node for _, node in parts)

    def and_expr(self):
        items = [self.unary()]
        while True:
            kind = self.peek().kind
            if kind == "AND":
                op = self.take()
                if self.peek().kind not in _STARTS_UNARY:
                    raise QueryError('Nothing after "AND" at character {at}', op.pos)
                items.append(self.unary())
            elif kind in _STARTS_UNARY:
                items.append(self.unary())
            else:
                return _and(items)

    def unary(self):
        tok = self.peek()
        if tok.kind == "NOT":
            self.take()
            if self.peek().kind not in _STARTS_UNARY:
                raise QueryError('Nothing after "NOT" at character {at}', tok.pos)
            self.enter(tok.pos)
            child = self.unary()
            self.depth -= 1
            return _not(child)
        if tok.kind == "MINUS":
            self.take()
            if self.peek().kind not in ("WORD", "PHRASE", "FIELD", "LPAREN"):
                raise QueryError('Nothing to exclude after "-" at character {at}', tok.pos)
            return _not(self.primary())
        return self.primary()

    def primary(self):
        tok = self.take()
        if tok.kind in ("WORD", "PHRASE", "FIELD"):
            return tok.node
        if tok.kind == "LPAREN":
            if self.peek().kind == "RPAREN":
                raise QueryError("Empty parentheses at character {at}", tok.pos)
            self.enter(tok.pos)
            node = self.or_expr()
            self.depth -= 1
            if self.peek().kind != "RPAREN":
                raise QueryError("Unclosed parenthesis at character {at}", tok.pos)
            self.take()
            return node
        if tok.kind == "RPAREN":
            raise QueryError('Unmatched ")" at character {at}', tok.pos)
        if tok.kind in ("AND", "OR"):
            raise QueryError(f'Nothing before "{tok.kind}" at character {{at}}', tok.pos)
        raise QueryError("Unexpected end of query at character {at}", tok.pos)


# -- fallback ----------------------------------------------------------------------------------


def _fallback_words(text: str) -> list[Word]:
    words, i, n = [], 0, len(text)
    while i < n:
        if _is_word_start(text[i]):
            end = _word_end(text, i)
            word = text[i:end]
            if word not in OPERATORS:
                words.append(Word(word))
            i = end
        else:
            i += 1
    return words


def parse(text: str) -> ParseResult:
    """Parse a query. Never raises: a syntax error gives the fallback (every word, ANDed)."""
    if not isinstance(text, str):
        text = ""
    if not text.strip():
        return ParseResult(None)
    try:
        toks = _lex(text)
        if toks[0].kind == "END":  # only punctuation
            return ParseResult(None)
        return ParseResult(_Parser(toks).query())
    except QueryError as error:
        problem = error.message.replace("{at}", str(error.position + 1))
    except Exception:  # parse must never raise; a bug here still gives the fallback
        problem = "The query could not be understood"
    words = _fallback_words(text)
    if words:
        return ParseResult(_and(words), f"{problem}: searched for the words instead.", True)
    return ParseResult(None, f"{problem}: there is nothing to search for.", True)


# -- using the AST ---------------------------------------------------------------------------


def positive_leaves(node) -> list[Word | Phrase]:
    """Words and phrases the query searches for (not under a Not, not field values), in query
    order, each once."""
    out: list = []

    def walk(n) -> None:
        if isinstance(n, Word | Phrase):
            if n not in out:
                out.append(n)
        elif isinstance(n, And | Or):
            for child in n.children:
                walk(child)

    if node is not None:
        walk(node)
    return out


def _describe_value(value) -> str:
    if isinstance(value, Range):
        return str(value.lo) if value.lo == value.hi else f"{value.lo}..{value.hi}"
    return describe(value)


def describe(node) -> str:
    """The query language for `node`, canonical: parse(describe(n)).node == n."""
    if node is None:
        return ""
    if isinstance(node, Word):
        return node.text + ("*" if node.prefix else "")
    if isinstance(node, Phrase):
        return f'"{node.text}"' + (f"~{node.slop}" if node.slop is not None else "")
    if isinstance(node, Field):
        return f"{node.name}:{_describe_value(node.value)}"
    if isinstance(node, Not):
        inner = describe(node.child)
        return f"-({inner})" if isinstance(node.child, And | Or) else f"-{inner}"
    if isinstance(node, And):
        return " ".join(
            f"({describe(c)})" if isinstance(c, Or) else describe(c) for c in node.children
        )
    if isinstance(node, Or):
        return " OR ".join(describe(c) for c in node.children)
    raise TypeError(f"not a query node: {node!r}")
