"""Citations of record versions, passages and collection versions (docs/citations.md)."""

import json
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from django.urls import reverse

PUBLISHER = "Testimony Archive"
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class Format:
    label: str
    content_type: str
    extension: str | None  # None: shown as text, not offered as a file


FORMATS = {
    "chicago": Format("Chicago", "text/plain; charset=utf-8", None),
    "apa": Format("APA", "text/plain; charset=utf-8", None),
    "bibtex": Format("BibTeX", "application/x-bibtex; charset=utf-8", "bib"),
    "ris": Format("RIS", "application/x-research-info-systems; charset=utf-8", "ris"),
    "csl-json": Format(
        "CSL-JSON", "application/vnd.citationstyles.csl+json; charset=utf-8", "json"
    ),
}


@dataclass(frozen=True)
class Work:
    """What a citation names, in every format. Built only from what readers see (a version's
    snapshot, a collection version's title and hash): never from who made it, since staff
    stay anonymous."""

    key: str
    csl_type: str
    title: str
    authors: tuple[str, ...]
    pseudonym: bool  # the author is a narrator's pseudonym
    genre: str  # "Testimony", "Article excerpt", "Collection"
    container: str  # the outlet of an article excerpt, else ""
    identifier: str  # the record's identifier, or the collection's slug
    version: int
    issued: date
    accessed: date
    url: str
    hashes: tuple[tuple[str, str], ...]  # (what, SHA-256 hex)
    language: str = ""
    passage: int | None = None

    @property
    def location(self) -> str:
        """Where in the archive: "T-000012, version 3, ¶4"."""
        where = f"{self.identifier}, version {self.version}"
        return where + (f", ¶{self.passage}" if self.passage is not None else "")


# -- building works -------------------------------------------------------------------------------


def stable_url(base_url: str, path: str) -> str:
    # Braces, spaces and backslashes would break BibTeX and RIS fields; a configured base URL
    # is the only place they could come from.
    url = base_url.rstrip("/") + path
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~-._")


def record_version_path(public_id: str, number: int) -> str:
    return f"/records/{quote(public_id)}/v/{number}/"


def collection_version_path(slug: str, number: int) -> str:
    return f"/collections/{quote(slug)}/v/{number}/"


def _key(public_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", public_id)


def _authorship(snapshot: dict) -> tuple[tuple[str, ...], bool, str]:
    """(authors, whether they are a pseudonym, container). Testimony is cited under the
    narrator's pseudonym, article excerpts under the source's authors in their outlet."""
    if snapshot.get("kind") == "testimony":
        pseudonym = ((snapshot.get("testimony") or {}).get("narrator_pseudonym") or "").strip()
        return ((pseudonym,) if pseudonym else ()), bool(pseudonym), ""
    source = snapshot.get("source") or {}
    authors = tuple(a.strip() for a in source.get("authors") or [] if a and a.strip())
    return authors, False, (source.get("outlet") or "").strip()


def record_version_work(version, *, base_url: str, accessed: date) -> Work:
    """A record version (a RecordVersion) as its snapshot reads."""
    snapshot = version.snapshot
    public_id = snapshot["public_id"]
    authors, pseudonym, container = _authorship(snapshot)
    testimony = snapshot.get("kind") == "testimony"
    return Work(
        key=f"{_key(public_id)}v{version.number}",
        csl_type="interview" if testimony else "article",
        title=snapshot.get("title") or public_id,
        authors=authors,
        pseudonym=pseudonym,
        genre="Testimony" if testimony else "Article excerpt",
        container=container,
        identifier=public_id,
        version=version.number,
        issued=version.created_at.date(),
        accessed=accessed,
        url=stable_url(base_url, record_version_path(public_id, version.number)),
        hashes=(
            (f"version {version.number}", version.version_hash),
            ("the text", version.content_hash),
        ),
        language=snapshot.get("language") or "",
    )


def passage_work(version, number: int, *, base_url: str, accessed: date) -> Work:
    """One passage (¶number) of a record version; LookupError if the version has none."""
    passage = next((p for p in version.snapshot.get("passages", []) if p["number"] == number), None)
    if passage is None:
        raise LookupError(f"no ¶{number} in this version")
    whole = record_version_work(version, base_url=base_url, accessed=accessed)
    return Work(
        key=f"{whole.key}p{number}",
        csl_type=whole.csl_type,
        title=f"{whole.title}, ¶{number}",
        authors=whole.authors,
        pseudonym=whole.pseudonym,
        genre=whole.genre,
        container=whole.container,
        identifier=whole.identifier,
        version=whole.version,
        issued=whole.issued,
        accessed=accessed,
        url=f"{whole.url}#p{number}",
        hashes=((f"¶{number}", passage["sha256"]), whole.hashes[0]),
        language=whole.language,
        passage=number,
    )


def collection_version_work(version, *, base_url: str, accessed: date) -> Work:
    """A published collection version (a CollectionVersion). No author: its curators are
    archive users, whose names are never published."""
    slug = version.collection.slug
    return Work(
        key=f"collection-{slug}-v{version.number}",
        csl_type="collection",
        title=version.title,
        authors=(),
        pseudonym=False,
        genre="Collection",
        container="",
        identifier=f"collection {slug}",
        version=version.number,
        issued=version.published_at.date(),
        accessed=accessed,
        url=stable_url(base_url, collection_version_path(slug, version.number)),
        hashes=(("the manifest", version.manifest_hash),),
    )


# -- shared wording -------------------------------------------------------------------------------


def _long_date(value: date) -> str:
    return f"{MONTHS[value.month - 1]} {value.day}, {value.year}"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def hash_note(work: Work) -> str:
    return "; ".join(f"SHA-256 of {what}: {digest}" for what, digest in work.hashes)


def _sentence(text: str) -> str:
    """End with a period unless the text already ends a sentence (a title with ? or !)."""
    return text if text[-1:] in ".?!" else text + "."


def _names(authors: tuple[str, ...], conjunction: str) -> str:
    if len(authors) <= 2:
        return f" {conjunction} ".join(authors)
    return ", ".join(authors[:-1]) + f", {conjunction} {authors[-1]}"


def _where(work: Work) -> str:
    if work.container:
        return f"Excerpt from {work.container}"
    return work.genre


# -- text styles ----------------------------------------------------------------------------------


def chicago(work: Work) -> str:
    """Chicago notes-bibliography, bibliography entry. Names stay as written: splitting
    Uyghur, Chinese or Kazakh names into "Last, First" would misname people."""
    author = _names(work.authors, "and")
    if author and work.pseudonym:
        author += " [pseud.]"
    title = _one_line(work.title)
    parts = [
        f"{_sentence(_one_line(author))} " if author else "",
        f"“{_sentence(title)}” ",
        f"{_sentence(_one_line(_where(work)))} ",
        f"{PUBLISHER}, {work.location}, {_long_date(work.issued)}. ",
        f"{work.url}. ",
        f"Accessed {_long_date(work.accessed)}. ",
        f"{hash_note(work)}.",
    ]
    return "".join(parts)


def apa(work: Work) -> str:
    """APA 7 reference. The version and the retrieval date are given because the archive's
    records change over time; each version is fixed by its URL and hash."""
    issued = f"({work.issued.year}, {MONTHS[work.issued.month - 1]} {work.issued.day})"
    if work.csl_type == "collection":
        described = f"Collection {work.identifier.removeprefix('collection ')}"
    else:
        described = f"{_one_line(_where(work))}, {work.identifier}"
    title = f"{_one_line(work.title)} (Version {work.version}) [{described}]"
    author = _one_line(_names(work.authors, "&"))
    head = f"{_sentence(author)} {issued}. {title}." if author else f"{title}. {issued}."
    return (
        f"{head} {PUBLISHER}. Retrieved {_long_date(work.accessed)}, from {work.url}. "
        f"{hash_note(work)}."
    )


# -- BibTeX ---------------------------------------------------------------------------------------

# SECURITY: a title is archive content, possibly typed by anyone an archivist quoted; escaped so
# it can neither unbalance the entry's braces (and inject fields) nor run TeX commands.
# \textbraceleft keeps braces balanced for BibTeX, which counts even escaped braces.
_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_BIBTEX_SPECIAL = re.compile("[" + re.escape("".join(_BIBTEX_ESCAPES)) + "]")


def bibtex_escape(text: str) -> str:
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_ESCAPES[m.group()], _one_line(text))


def bibtex(work: Work) -> str:
    """One @misc entry, with both classic BibTeX fields (howpublished, year, note) and
    biblatex's (date, urldate, version)."""
    # Each name braced: BibTeX would otherwise split "Ilham Tohti" into a surname and a
    # given name that Uyghur naming does not have.
    authors = " and ".join("{" + bibtex_escape(name) + "}" for name in work.authors)
    note = f"{PUBLISHER}, {work.location}. {hash_note(work)}. Accessed {work.accessed.isoformat()}."
    fields = [
        ("author", authors),
        ("title", "{" + bibtex_escape(work.title) + "}"),
        ("howpublished", bibtex_escape(_where(work))),
        ("publisher", PUBLISHER),
        ("year", str(work.issued.year)),
        ("date", work.issued.isoformat()),
        ("version", str(work.version)),
        ("url", work.url),
        ("urldate", work.accessed.isoformat()),
        ("language", bibtex_escape(work.language)),
        ("note", bibtex_escape(note)),
    ]
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields if value)
    return f"@misc{{{work.key},\n{body}}}\n"


# -- RIS ------------------------------------------------------------------------------------------


def _ris_date(value: date) -> str:
    return value.strftime("%Y/%m/%d")


def ris(work: Work) -> str:
    """One RIS record (type ELEC), lines ending CRLF as the format asks."""
    lines = [("TY", "ELEC"), ("ID", work.key)]
    lines += [("AU", name) for name in work.authors]
    lines += [
        ("TI", work.title),
        ("T2", work.container),
        ("M3", work.genre),
        ("PB", PUBLISHER),
        ("DB", PUBLISHER),
        ("AN", work.location),
        ("PY", str(work.issued.year)),
        ("DA", _ris_date(work.issued)),
        ("ET", f"Version {work.version}"),
        ("Y2", _ris_date(work.accessed)),
        ("UR", work.url),
        ("LA", work.language),
        ("N1", hash_note(work)),
    ]
    # One value per line: a line break in a value would end it and start a forged tag.
    text = "".join(f"{tag}  - {_one_line(value)}\r\n" for tag, value in lines if value)
    return text + "ER  - \r\n"


# -- CSL-JSON -------------------------------------------------------------------------------------


def _date_parts(value: date) -> dict:
    return {"date-parts": [[value.year, value.month, value.day]]}


def csl_item(work: Work) -> dict:
    """One CSL-JSON item. Names are literals, for the same reason as in BibTeX."""
    item = {
        "id": work.key,
        "type": work.csl_type,
        "title": _one_line(work.title),
        "author": [{"literal": name} for name in work.authors],
        "container-title": work.container,
        "genre": work.genre,
        "publisher": PUBLISHER,
        "archive": PUBLISHER,
        "archive_location": work.location,
        "version": str(work.version),
        "issued": _date_parts(work.issued),
        "accessed": _date_parts(work.accessed),
        "URL": work.url,
        "language": work.language,
        "note": hash_note(work),
    }
    return {name: value for name, value in item.items() if value}


def csl_json(works: list[Work]) -> str:
    return json.dumps([csl_item(w) for w in works], ensure_ascii=False, indent=2) + "\n"


# -- any format -----------------------------------------------------------------------------------


def render(work: Work, fmt: str) -> str:
    """`work` in one of FORMATS (KeyError for any other name)."""
    return render_many([work], fmt)


def render_many(works: list[Work], fmt: str) -> str:
    if fmt == "csl-json":
        return csl_json(works)
    one = {"chicago": chicago, "apa": apa, "bibtex": bibtex, "ris": ris}[fmt]
    separator = "\n" if fmt in ("bibtex", "chicago", "apa") else ""
    return separator.join(one(work) for work in works) + ("\n" if fmt in ("chicago", "apa") else "")


# -- the citation box -----------------------------------------------------------------------------


def box(work: Work, cite_path: str, what: str) -> dict:
    """Context for templates/archive/_citation_box.html: the two text styles to read and copy,
    and links to every format at `cite_path` (the cite endpoint)."""
    return {
        "what": what,
        "key": work.key,
        "url": work.url,
        "texts": [
            {"slug": slug, "label": FORMATS[slug].label, "text": render(work, slug).strip()}
            for slug in ("chicago", "apa")
        ],
        "formats": [
            {"label": fmt.label, "href": f"{cite_path}?format={slug}"}
            for slug, fmt in FORMATS.items()
        ],
    }


def record_version_box(version, base_url: str, accessed: date) -> dict:
    work = record_version_work(version, base_url=base_url, accessed=accessed)
    path = reverse(
        "archive:record-version-cite", args=[version.snapshot["public_id"], version.number]
    )
    return box(work, path, f"version {version.number} of this record")


def collection_version_box(version, base_url: str, accessed: date) -> dict:
    """For the collection pages: `{% include "archive/_citation_box.html" %}` with this as
    `citation`."""
    work = collection_version_work(version, base_url=base_url, accessed=accessed)
    path = reverse(
        "archive:collection-version-cite", args=[version.collection.slug, version.number]
    )
    return box(work, path, f"version {version.number} of this collection")
