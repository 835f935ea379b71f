"""Finding what could identify a narrator or their family in a text.

`scan(text, identifying_terms)` returns findings with their offsets, kind and a suggested
placeholder. It looks for:
- PRC resident identity numbers (18 characters, date of birth inside, checksum verified);
- phone numbers: Chinese mobile and landline, Kazakh, Turkish and any +country number;
- e-mail addresses, URLs and social-media handles or messenger IDs;
- passport-like numbers;
- exact dates of birth (a full date next to a word for birth);
- GPS coordinates, decimal or degrees-minutes-seconds;
- the record's own identifying terms (names of the narrator and relatives, village,
  employer), matched across case, diacritics and common transliterations.

It errs toward finding too much: every finding is reviewed by an archivist, who replaces it
or dismisses it with a reason. What it must not do is take a year, a page number or a camp's
facility number for a phone or ID number; tests hold it to that.
"""

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass

from archive.search.analysis import fold


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int
    text: str
    placeholder: str

    @property
    def span(self) -> tuple[int, int]:
        return self.start, self.end


PLACEHOLDER = {
    "prc_id": "[ID-NUMBER]",
    "phone": "[PHONE]",
    "email": "[EMAIL]",
    "url": "[URL]",
    "handle": "[HANDLE]",
    "passport": "[PASSPORT]",
    "birth_date": "[DATE-OF-BIRTH]",
    "gps": "[COORDINATES]",
    "identifying_term": "[NAME]",
}

# -- identity numbers ------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_PRC_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})[ -]?(\d{8})[ -]?(\d{3}[0-9Xx])(?![0-9A-Za-z])")


def prc_id_valid(number: str) -> bool:
    """GB 11643-1999: 17 digits (region, birth date YYYYMMDD, sequence) and a check character."""
    number = number.upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    if not (1900 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17]


# -- phones ----------------------------------------------------------------------------------

_SEP = r"[ \-.\u00a0]?"
_PHONE_PATTERNS = [
    # +86 / 0086 and Chinese mobiles: 1[3-9]x xxxx xxxx
    rf"(?:(?:\+|00)86{_SEP})?1[3-9]\d{_SEP}\d{{4}}{_SEP}\d{{4}}",
    # Chinese landlines with an area code: 0991-1234567, (0991) 123 4567
    rf"(?:\+86{_SEP}|\(0\d{{2,3}}\){_SEP}|0\d{{2,3}}[ \-])\d{{3,4}}{_SEP}\d{{4}}",
    # Kazakhstan: +7 7xx xxx xx xx or 8 7xx xxx xx xx
    rf"(?:\+7|8){_SEP}\(?7\d{{2}}\)?{_SEP}\d{{3}}{_SEP}\d{{2}}{_SEP}\d{{2}}",
    # Turkey: +90 5xx xxx xx xx or 0 5xx xxx xx xx
    rf"(?:\+90|0){_SEP}\(?5\d{{2}}\)?{_SEP}\d{{3}}{_SEP}\d{{2}}{_SEP}\d{{2}}",
    # Any international number written with +country code: 8 to 15 digits in all
    r"\+\d{1,3}(?:[ \-.]?\(?\d{1,4}\)?){2,5}",
]
_PHONE_RE = re.compile(
    r"(?<![\w+/#:.])(?:" + "|".join(_PHONE_PATTERNS) + r")(?![\w/])",
)


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


# -- addresses and handles -------------------------------------------------------------------

_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'）)\]]+", re.IGNORECASE)
_HANDLE_RE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{1,29})")
_MESSENGER_RE = re.compile(
    r"(?:wechat|weixin|微信号?|telegram|whatsapp|signal|imo|qq|douyin|tiktok|instagram|"
    r"facebook|twitter|vk|skype)(?:\s*(?:id|number|account|handle))?\s*[:：#]?\s*"
    r"([A-Za-z0-9_][A-Za-z0-9_.\-]{2,30}[A-Za-z0-9_])",
    re.IGNORECASE,
)

# -- passports -------------------------------------------------------------------------------

# Chinese (E/G + 8 digits, EA1234567), Kazakh (N + 8), Turkish (U + 8) and similar forms.
_PASSPORT_RE = re.compile(r"(?<![\w#:/-])(?:[EGNU]\d{8}|E[A-Z]\d{7}|[A-Z]{2}\d{7})(?![\w-])")
_PASSPORT_CONTEXT_RE = re.compile(
    r"(?:passport|护照|паспорт|pasaport)(?:\s*(?:no\.?|number|nr\.?|#|号码?))?\s*[:：]?\s*"
    r"([A-Z0-9]{6,12})",
    re.IGNORECASE,
)

# -- dates of birth --------------------------------------------------------------------------

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_FULL_DATE = (
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\.?,?\s+\d{{4}}"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    r"|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}"
    r"|\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)"
)
_BIRTH_RE = re.compile(
    r"(?:born(?:\s+on)?|birth\s*date|date\s+of\s+birth|d\.?o\.?b\.?|b\.|birthday|"
    r"出生(?:日期|于|在)?|生于|туған|doğum\s+tarihi|tughulghan)"
    rf"\s*[:：]?\s*(?:on\s+|in\s+)?({_FULL_DATE})",
    re.IGNORECASE,
)

# -- coordinates -----------------------------------------------------------------------------

_GPS_DECIMAL_RE = re.compile(
    r"(?<![\d.])[-+]?\d{1,2}\.\d{3,}\s*°?\s*[NS]?\s*[,;/ ]\s*"
    r"[-+]?\d{1,3}\.\d{3,}\s*°?\s*[EW]?(?![\d.])"
)
_GPS_DMS_RE = re.compile(
    r"\d{1,3}\s*°\s*\d{1,2}\s*[′']\s*(?:\d{1,2}(?:\.\d+)?\s*[″\"]\s*)?[NSEW]"
    r"(?:[,; ]\s*\d{1,3}\s*°\s*\d{1,2}\s*[′']\s*(?:\d{1,2}(?:\.\d+)?\s*[″\"]\s*)?[NSEW])?"
)

# -- identifying terms -----------------------------------------------------------------------

# Spelling variants of Uyghur, Kazakh and Turkish names in Latin and Cyrillic script, reduced
# to one skeleton: Abduweli / Abdu Veli / Абдувели, Gülnar / Gulnar, Qurban / Kurban.
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі",
        [
            "a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o",
            "p", "r", "s", "t", "u", "f", "h", "ts", "ch", "sh", "sh", "", "i", "", "e", "iu",
            "ia", "a", "gh", "q", "ng", "o", "u", "u", "h", "i",
        ],
        strict=True,
    )
)  # fmt: skip
# Turkish letters that folding would otherwise turn into a different sound.
_TURKISH = [("ı", "i"), ("ş", "sh"), ("ç", "ch"), ("ğ", "gh")]
# Then, in order, the spellings transliterations disagree on.
_VARIANTS = [
    ("w", "v"), ("q", "k"), ("gh", "g"), ("kh", "h"), ("x", "sh"), ("zh", "j"), ("ts", "c"),
    ("ch", "c"), ("sh", "s"), ("y", "i"), ("e", "i"), ("o", "u"),
]  # fmt: skip
_WORD_RE = re.compile(r"[^\W_]+")  # "Ablimit's" is "Ablimit" + "s"; "Ma'ruf" two parts
_HAN_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def skeleton(word: str) -> str:
    """A spelling-tolerant key for a name: folded, transliterated, common variants merged,
    doubled letters collapsed."""
    text = "".join(_CYRILLIC.get(ch, ch) for ch in word.lower())
    for source, target in _TURKISH:
        text = text.replace(source, target)
    text = fold(text)
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if ch.isalnum())
    for source, target in _VARIANTS:
        text = text.replace(source, target)
    return re.sub(r"(.)\1+", r"\1", text)


def _find_terms(text: str, terms) -> list[Finding]:
    words = [(m.start(), m.end(), skeleton(m.group())) for m in _WORD_RE.finditer(text)]
    findings = []
    for term, placeholder in terms:
        # "Abdu Veli" and "Abduweli" are one name: words are compared joined together.
        keys = [k for k in (skeleton(w) for w in _WORD_RE.findall(term)) if k]
        if not keys:
            continue
        joined = "".join(keys)
        if _HAN_RE.search(term):  # Chinese names: the characters themselves, wherever they are
            for m in re.finditer(re.escape(term.strip()), text):
                findings.append(
                    Finding("identifying_term", m.start(), m.end(), m.group(), placeholder)
                )
            continue
        for i in range(len(words)):
            # The term's words in a row, or written as one word, or split differently.
            for span in range(1, len(keys) + 2):
                window = words[i : i + span]
                if len(window) < span:
                    break
                if "".join(w[2] for w in window) == joined:
                    start, end = window[0][0], window[-1][1]
                    findings.append(
                        Finding("identifying_term", start, end, text[start:end], placeholder)
                    )
                    break
    return findings


# -- scanning --------------------------------------------------------------------------------


def _regex_findings(text: str) -> list[Finding]:
    found: list[Finding] = []

    def add(kind, start, end):
        while end > start and text[end - 1].isspace():
            end -= 1
        found.append(Finding(kind, start, end, text[start:end], PLACEHOLDER[kind]))

    for m in _PRC_ID_RE.finditer(text):
        if prc_id_valid("".join(m.groups())):
            add("prc_id", m.start(), m.end())
    for m in _EMAIL_RE.finditer(text):
        add("email", m.start(), m.end())
    for m in _URL_RE.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in ".,;:!?":
            end -= 1
        add("url", m.start(), end)
    for m in _HANDLE_RE.finditer(text):
        add("handle", m.start(), m.end())
    for m in _MESSENGER_RE.finditer(text):
        add("handle", m.start(1), m.end(1))
    for m in _PHONE_RE.finditer(text):
        if 8 <= _digits(m.group()) <= 15:
            add("phone", m.start(), m.end())
    for m in _PASSPORT_RE.finditer(text):
        add("passport", m.start(), m.end())
    for m in _PASSPORT_CONTEXT_RE.finditer(text):
        if any(ch.isdigit() for ch in m.group(1)):
            add("passport", m.start(1), m.end(1))
    for m in _BIRTH_RE.finditer(text):
        add("birth_date", m.start(1), m.end(1))
    for m in _GPS_DECIMAL_RE.finditer(text):
        add("gps", m.start(), m.end())
    for m in _GPS_DMS_RE.finditer(text):
        add("gps", m.start(), m.end())
    return found


def scan(text: str, identifying_terms=()) -> list[Finding]:
    """Every finding in `text`, in reading order; overlapping findings keep the longest.

    `identifying_terms` are strings, or (term, placeholder) pairs such as
    ("Mehmet Abdulla", "[RELATIVE-1]").
    """
    terms = [
        (t, PLACEHOLDER["identifying_term"]) if isinstance(t, str) else tuple(t)
        for t in identifying_terms
    ]
    found = _regex_findings(text) + _find_terms(text, terms)
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Finding] = []
    for finding in found:
        if kept and finding.start < kept[-1].end:
            continue  # inside (or overlapping) a longer finding already kept
        kept.append(finding)
    return kept


def redact(text: str, findings, replacement=None) -> str:
    """`text` with each finding replaced by its placeholder (or `replacement(finding)`)."""
    out, last = [], 0
    for f in sorted(findings, key=lambda f: f.start):
        out.append(text[last : f.start])
        out.append(replacement(f) if replacement else f.placeholder)
        last = f.end
    out.append(text[last:])
    return "".join(out)


# -- identifying terms after publication: keyed digests only ----------------------------------


def term_key(term: str) -> str:
    """What a term's digest is computed from: its joined skeleton, or Chinese characters as
    written."""
    if _HAN_RE.search(term):
        return "han:" + "".join(term.split())
    return "".join(k for k in (skeleton(w) for w in _WORD_RE.findall(term)) if k)


def term_digest(term: str, *, salt: str, key: bytes) -> str:
    return hmac.new(key, f"{salt}\x00{term_key(term)}".encode(), hashlib.sha256).hexdigest()


def term_words(term: str) -> int:
    if _HAN_RE.search(term):
        return len("".join(term.split()))
    return max(1, len(_WORD_RE.findall(term)))


def find_digests(text: str, terms, *, salt: str, key: bytes) -> list[Finding]:
    """Findings of terms known only by digest: `terms` are (digest, words, placeholder), where
    words is the term's number of words (or characters, for Chinese)."""
    wanted = {digest: placeholder for digest, _, placeholder in terms}
    if not wanted:
        return []
    most = max(words for _, words, _ in terms) + 1
    findings = []

    def check(joined, start, end):
        digest = hmac.new(key, f"{salt}\x00{joined}".encode(), hashlib.sha256).hexdigest()
        if digest in wanted:
            findings.append(
                Finding("identifying_term", start, end, text[start:end], wanted[digest])
            )
            return True
        return False

    words = [(m.start(), m.end(), skeleton(m.group())) for m in _WORD_RE.finditer(text)]
    for i in range(len(words)):
        for span in range(1, min(most, len(words) - i) + 1):
            window = words[i : i + span]
            if check("".join(w[2] for w in window), window[0][0], window[-1][1]):
                break
    han_lengths = {words for _, words, _ in terms}
    for m in re.finditer(r"[\u3400-\u9fff\uf900-\ufaff]+", text):
        run = m.group()
        for length in han_lengths:
            for i in range(len(run) - length + 1):
                check("han:" + run[i : i + length], m.start() + i, m.start() + i + length)
    return findings
