"""Writes to the controlled vocabulary: terms, their aliases, identifiers and camp details."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from archive.models import Alias, Camp, ExternalIdentifier, Term, TermKind
from archive.models.vocabulary import fold_label


@dataclass(frozen=True)
class AliasSpec:
    label: str
    language: str = ""


@dataclass(frozen=True)
class TermSpec:
    kind: str
    slug: str
    label: str
    description: str = ""
    broader: str | None = None
    aliases: Sequence[AliasSpec] = ()
    external_ids: Sequence[tuple[str, str]] = ()
    camp: dict | None = None


@dataclass
class VocabularyReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # Terms an archivist has edited: the files never overwrite a person's work.
    kept: list[str] = field(default_factory=list)


class VocabularyError(ValueError):
    """A term spec cannot be stored; the message names the term."""


@transaction.atomic
def vocabulary_sync(*, specs: Sequence[TermSpec], update: bool = False) -> VocabularyReport:
    """Create the terms in specs that do not exist yet; with update, also bring existing
    terms in line with their spec, except terms a person has edited. Terms not in specs are
    never touched. Nothing is saved for a term that already matches."""
    slugs = [s.slug for s in specs]
    existing = set(Term.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    edited = set(
        Term.history.filter(slug__in=existing, history_user__isnull=False).values_list(
            "slug", flat=True
        )
    )
    frozen = existing if not update else edited
    try:
        report = _vocabulary_sync([s for s in specs if s.slug not in frozen])
    except ValidationError as exc:
        raise VocabularyError("; ".join(exc.messages)) from exc
    report.unchanged += sorted(frozen - edited) if not update else []
    report.kept += sorted(edited)
    return report


def _vocabulary_sync(specs: Sequence[TermSpec]) -> VocabularyReport:
    """Make each listed term, its aliases, identifiers and camp details match its spec."""
    report = VocabularyReport()
    terms: dict[str, Term] = {}
    changed: set[str] = set()
    for spec in specs:
        term, created, dirty = _term_fields(spec)
        terms[spec.slug] = term
        if created:
            report.created.append(spec.slug)
        elif dirty:
            changed.add(spec.slug)
    # Remove stale aliases everywhere before adding any, so an alias can move between terms.
    for spec in specs:
        if _remove_stale_aliases(terms[spec.slug], spec.aliases):
            changed.add(spec.slug)
    # A later pass, because a broader term may be listed after its narrower one.
    for spec in specs:
        term = terms[spec.slug]
        broader = None
        if spec.broader:
            broader = terms.get(spec.broader) or Term.objects.filter(slug=spec.broader).first()
            if broader is None:
                raise ValidationError(f"{spec.slug}: broader term {spec.broader} does not exist")
        if term.broader_id != (broader.pk if broader else None):
            term.broader = broader
            term.full_clean()
            term.save()
            changed.add(spec.slug)
        if _sync_aliases(term, spec.aliases) | _sync_external_ids(term, spec.external_ids):
            changed.add(spec.slug)
        if _sync_camp(term, spec.camp):
            changed.add(spec.slug)
    for spec in specs:
        if spec.slug in report.created:
            continue
        (report.updated if spec.slug in changed else report.unchanged).append(spec.slug)
    return report


def _term_fields(spec: TermSpec) -> tuple[Term, bool, bool]:
    if spec.kind not in TermKind.values:
        raise ValueError(f"{spec.slug}: unknown kind {spec.kind!r}")
    term = Term.objects.filter(slug=spec.slug).first()
    wanted = {"kind": spec.kind, "preferred_label": spec.label, "description": spec.description}
    if term is None:
        term = Term(slug=spec.slug, **wanted)
        term.full_clean(exclude=["broader"])
        term.save()
        return term, True, False
    if all(getattr(term, k) == v for k, v in wanted.items()):
        return term, False, False
    for key, value in wanted.items():
        setattr(term, key, value)
    term.full_clean(exclude=["broader"])
    term.save()
    return term, False, True


def _remove_stale_aliases(term: Term, aliases: Sequence[AliasSpec]) -> bool:
    wanted = {fold_label(a.label) for a in aliases}
    stale = [a for a in term.aliases.all() if a.folded not in wanted]
    for alias in stale:
        alias.delete()
    return bool(stale)


def _sync_aliases(term: Term, aliases: Sequence[AliasSpec]) -> bool:
    try:
        return _add_aliases(term, aliases)
    except ValidationError as exc:
        raise ValidationError(f"{term.slug}: {'; '.join(exc.messages)}") from exc


def _add_aliases(term: Term, aliases: Sequence[AliasSpec]) -> bool:
    wanted = {fold_label(a.label): a for a in aliases}
    current = {a.folded: a for a in term.aliases.all()}
    changed = False
    for folded, spec in wanted.items():
        alias = current.get(folded)
        if alias is None:
            alias = Alias(term=term, label=spec.label, language=spec.language)
        elif (alias.label, alias.language) == (spec.label, spec.language):
            continue
        alias.label, alias.language = spec.label, spec.language
        alias.full_clean(exclude=["kind", "folded"])
        alias.save()
        changed = True
    return changed


def _sync_external_ids(term: Term, identifiers: Sequence[tuple[str, str]]) -> bool:
    wanted = set(identifiers)
    current = {(e.scheme, e.value): e for e in term.external_ids.all()}
    for key in current.keys() - wanted:
        current[key].delete()
    for scheme, value in wanted - current.keys():
        ExternalIdentifier.objects.create(term=term, scheme=scheme, value=value)
    return current.keys() != wanted


def _sync_camp(term: Term, details: dict | None) -> bool:
    camp = getattr(term, "camp", None) if term.kind == TermKind.CAMP else None
    if details is None:
        return False
    if term.kind != TermKind.CAMP:
        raise ValueError(f"{term.slug}: only camp terms carry facility details")
    fields = {
        "prefecture": details.get("prefecture") or "",
        "county": details.get("county") or "",
        "latitude": details.get("latitude"),
        "longitude": details.get("longitude"),
        "security_tier": details.get("tier"),
        "status_notes": details.get("status_notes") or "",
    }
    if camp is None:
        camp = Camp(term=term)
    elif all(_same(getattr(camp, k), v) for k, v in fields.items()):
        return False
    for key, value in fields.items():
        setattr(camp, key, value)
    camp.full_clean()
    camp.save()
    return True


def _same(stored, wanted) -> bool:
    if stored is None or wanted is None:
        return stored is wanted
    try:
        return float(stored) == float(wanted)
    except (TypeError, ValueError):
        return stored == wanted
