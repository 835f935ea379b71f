"""Writing the audit log. Every audited action calls `log`; nothing else writes entries.

Where an entry comes from (surface, path, client) is taken from the request being served,
which archive.middleware.AuditContextMiddleware puts in a context variable, so services
called from views, the admin or the API need no request argument. Management commands
run without one and are recorded as channel "command".
"""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import salted_hmac

from archive.models.audit import AuditEntry

MAX_TEXT = 1000  # queries and reasons are cut here; an entry is evidence, not storage


@dataclass(frozen=True)
class Origin:
    channel: str = "command"
    path: str = ""
    ip_hash: str = ""


COMMAND = Origin()
_origin: ContextVar[Origin | None] = ContextVar("audit_origin", default=None)


def client_hash(ip: str) -> str:
    """A keyed hash of the client address (docs/audit.md): the same address gives the same
    value, so repeated failures from one place stand out, but a stolen copy of the log cannot
    be turned back into addresses without AUDIT_IP_KEY, which lives only in the environment."""
    if not ip:
        return ""
    key = settings.AUDIT_IP_KEY or settings.SECRET_KEY
    return salted_hmac("archive.audit.client", ip, secret=key, algorithm="sha256").hexdigest()[:32]


def client_ip(request) -> str:
    header = settings.CLIENT_IP_HEADER
    if header and request.META.get(header):
        # The proxy in front appends the real client last; earlier values are client-supplied.
        return request.META[header].split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def origin_of(request) -> Origin:
    path = request.path
    if path.startswith("/admin/"):
        channel = "admin"
    elif path.startswith("/api/"):
        channel = "api"
    else:
        channel = "web"
    return Origin(channel=channel, path=path[:300], ip_hash=client_hash(client_ip(request)))


@contextmanager
def request_origin(request):
    origin = origin_of(request)
    # Kept on the request too, so the request log uses the same keyed hash, computed once.
    request.audit_origin = origin
    token = _origin.set(origin)
    try:
        yield
    finally:
        _origin.reset(token)


def _clip(value):
    if isinstance(value, str):
        return value[:MAX_TEXT]
    if isinstance(value, dict):
        return {str(k)[:100]: _clip(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clip(v) for v in value[:100]]
    return value


def _describe(target) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, tuple):
        return target[0], str(target[1])[:64]
    label = target._meta.model_name
    ident = getattr(target, "public_id", None) or target.pk
    return label, str(ident)[:64]


def log(action: str, *, actor=None, target=None, detail: dict | None = None, request=None):
    """Append one entry. `target` is a model instance or a (type, id) pair."""
    origin = origin_of(request) if request is not None else (_origin.get() or COMMAND)
    signed_in = actor is not None and getattr(actor, "is_authenticated", False)
    target_type, target_id = _describe(target)
    return AuditEntry.objects.create(
        actor=actor if signed_in else None,
        actor_label=actor.get_username()[:150] if signed_in else "",
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=_clip(detail or {}),
        channel=origin.channel,
        path=origin.path,
        ip_hash=origin.ip_hash,
    )


# -- reads worth recording --------------------------------------------------------------------


def log_record_view(
    user, record, *, passage: int | None = None, version: int | None = None
) -> None:
    """A view of a restricted or confidential record (or one of its passages or versions)."""
    from archive.models.audit import AuditAction
    from archive.permissions import is_sensitive

    if not is_sensitive(record):
        return
    action = AuditAction.PASSAGE_VIEW if passage is not None else AuditAction.RECORD_VIEW
    detail = {"access_level": record.access_level, "content_hash": record.content_hash}
    if passage is not None:
        detail["passage"] = passage
    if version is not None:
        detail["version"] = version
    log(action, actor=user, target=record, detail=detail)


def log_search(user, params, result) -> None:
    """A signed-in user's search, with what it showed of sensitive records."""
    from archive.models.audit import AuditAction
    from archive.permissions import is_sensitive

    if not (user and user.is_authenticated):
        return
    shown = [
        {"record": hit.record.public_id, "passages": [p.number for p in hit.passages]}
        for hit in result.hits
        if is_sensitive(hit.record)
    ]
    log(
        AuditAction.SEARCH,
        actor=user,
        detail={
            "q": params.q,
            "filters": params.filters,
            "collection": getattr(params, "collection", ""),
            "sort": params.sort,
            "page": params.page,
            "count": result.count,
            "sensitive_shown": shown,
        },
    )
