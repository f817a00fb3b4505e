"""Drafts: what someone was typing, kept encrypted on the server until they save it.

Two roads lead here, both ending in one `Draft` row per person and form (`practice.models.Draft`):

- autosave: a form marked `data-draft-key` posts its fields every few seconds while they change
  (static/js/drafts.js, to `practice:draft_save`); kept 7 days;
- a POST that arrives after the session ended (`practice.session_security`): the fields are kept
  before the sign-out, tied to the person whose session it was; kept 3 days (a Friday evening's
  sign-out is still there on Monday morning). Audited DRAFT_KEPT.

The form's page offers the draft back with `draft_for` (audited DRAFT_RESTORED), as the form's
initial data, so it works without the script; a successful save calls `draft_discard`. Expired rows
are deleted by `drafts_purge` (hourly beat task). Autosaves themselves are not audited: they are the
person's own unsaved work, every few seconds, and no one else can read them.

The ground knows no form. Each app registers its own from its `AppConfig.ready()`:

    register_draft_form(
        "clients.note",                                   # key "clients.note:<note id>"
        check=may_edit_note,                              # (user, ident) -> bool; Http404 counts as no
        fields=["kind", "body", ...],                     # the only fields ever kept
        page=lambda ident: reverse("clients:note_edit", args=[ident]),
        posts={"clients:note_edit": lambda user, kw: str(kw["note_id"])},  # URL names whose POST is this form
    )

A key names a form and the record it is for, never what was typed: `<prefix>:<ident>`. Every road
in (the autosave endpoint, a kept POST, a page offering a draft back) checks the key with
`form_for_key`, so a key naming someone else's record is refused (404) before anything is stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from practice.audit import audit_record
from practice.models import AuditAction, Draft, User

AUTOSAVE_LIFETIME = timedelta(days=7)
KEPT_LIFETIME = timedelta(days=3)
MAX_CHARS = 200_000  # the JSON of one form's fields; far above any field's own limit
KEY_MAX = 120
AUTOSAVE_URL = "practice:draft_save"  # its POST names the form in `draft_key`

DRAFT_TOO_LARGE = _("This draft is too long to keep. Save the form itself instead.")


@dataclass(frozen=True)
class DraftForm:
    prefix: str
    check: Callable[[User, str], bool]
    fields: tuple[str, ...]
    page: Callable[[str], str]
    posts: Mapping[str, Callable[[User, dict], str]] = field(default_factory=dict)
    multiple: tuple[str, ...] = ()  # fields that take several values (checkboxes)


_FORMS: dict[str, DraftForm] = {}
_BY_URL: dict[str, DraftForm] = {}


def register_draft_form(
    prefix: str,
    *,
    check: Callable[[User, str], bool],
    fields: Iterable[str],
    page: Callable[[str], str],
    posts: Mapping[str, Callable[[User, dict], str]] | None = None,
    multiple: Iterable[str] = (),
) -> None:
    """Offer drafts for a form. `check(user, ident)` says whether `user` may write to what `ident`
    names (raising Http404 means no); `page(ident)` is the form's page; `posts` maps the URL names
    the form posts to onto the ident, from the user and the URL's keyword arguments."""
    if ":" in prefix:
        raise ValueError("A draft prefix cannot contain ':'.")
    form = DraftForm(prefix, check, tuple(fields), page, dict(posts or {}), tuple(multiple))
    _FORMS[prefix] = form
    for url_name in form.posts:
        _BY_URL[url_name] = form


def draft_key(prefix: str, *parts: object) -> str:
    """The key of a form for a record: `draft_key("clients.note", 12)` is "clients.note:12"."""
    return ":".join([prefix, *(str(part) for part in parts)])


def form_for_key(user: User, key: str) -> tuple[DraftForm, str]:
    """The registered form `key` names and its ident, if `user` may write to what it names.

    Unknown, malformed and forbidden keys all raise Http404, so records cannot be probed.
    """
    prefix, _sep, ident = (key or "").partition(":")
    form = _FORMS.get(prefix)
    if form is None or not ident or len(key) > KEY_MAX:
        raise Http404
    try:
        allowed = bool(form.check(user, ident))
    except (Http404, ValueError):
        allowed = False
    if not allowed:
        raise Http404
    return form, ident


def fields_of(form: DraftForm, data) -> dict[str, list[str]]:
    """The registered fields of `form` from a POST (a QueryDict): nothing else is ever kept."""
    return {name: data.getlist(name) for name in form.fields if name in data or name in form.multiple}


# --- Writes ---------------------------------------------------------------------------------------


@transaction.atomic
def draft_save(
    *,
    user: User,
    key: str,
    fields: dict[str, list[str]],
    kind: Draft.Kind = Draft.Kind.AUTOSAVE,
    return_path: str,
    now: datetime | None = None,
) -> tuple[Draft, bool]:
    """Keep `fields` for `user` under `key` (checked by the caller with `form_for_key`).

    Returns the draft and whether its content changed (an autosave that changed something is
    activity that keeps the session alive; one that repeats the last is not).
    """
    now = now or timezone.now()
    data = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    if len(data) > MAX_CHARS:
        raise ValidationError(DRAFT_TOO_LARGE)
    lifetime = KEPT_LIFETIME if kind == Draft.Kind.KEPT_POST else AUTOSAVE_LIFETIME

    values = {"kind": kind, "data": data, "return_path": return_path[:300], "updated_at": now}
    values["expires_at"] = now + lifetime
    draft = Draft.objects.select_for_update().filter(user=user, key=key).first()
    if draft is None:
        draft = _draft_create(user=user, key=key, values=values)
        changed = True
    else:
        changed = draft.data != data
        for name, value in values.items():
            setattr(draft, name, value)
        draft.save(update_fields=list(values))
    if kind == Draft.Kind.KEPT_POST:
        audit_record(actor=user, action=AuditAction.DRAFT_KEPT, target=draft)
    return draft, changed


def _draft_create(*, user: User, key: str, values: dict) -> Draft:
    try:
        with transaction.atomic():
            return Draft.objects.create(user=user, key=key, **values)
    except IntegrityError:  # the same new form saved from two tabs at once: the other one created it
        draft = Draft.objects.select_for_update().get(user=user, key=key)
        for name, value in values.items():
            setattr(draft, name, value)
        draft.save(update_fields=list(values))
        return draft


def draft_discard(*, user: User, key: str) -> None:
    """The form was saved: its draft has done its work."""
    Draft.objects.filter(user=user, key=key).delete()


def drafts_purge(*, now: datetime | None = None) -> int:
    """Delete every expired draft. Returns how many."""
    deleted, _by_model = Draft.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


def draft_keep_post(request: HttpRequest) -> Draft | None:
    """Keep what an expired session's POST carried, if it was to a form that offers drafts and the
    person may write to it. Called by the session timeout before it signs the person out; the
    caller has checked the CSRF token. None when there was nothing to keep."""
    form_and_ident = _posted_form(request)
    if form_and_ident is None:
        return None
    form, ident = form_and_ident
    fields = fields_of(form, request.POST)
    if not any(value.strip() for values in fields.values() for value in values):
        return None  # an empty form: nothing to give back
    try:
        draft, _changed = draft_save(
            user=request.user,
            key=draft_key(form.prefix, ident),
            fields=fields,
            kind=Draft.Kind.KEPT_POST,
            return_path=form.page(ident),
        )
    except ValidationError:
        return None
    return draft


def _posted_form(request: HttpRequest) -> tuple[DraftForm, str] | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.view_name == AUTOSAVE_URL:
        key = request.POST.get("draft_key", "")
    elif match.view_name in _BY_URL:
        form = _BY_URL[match.view_name]
        try:
            key = draft_key(form.prefix, form.posts[match.view_name](request.user, match.kwargs))
        except (Http404, KeyError, ValueError):
            return None
    else:
        return None
    try:
        return form_for_key(request.user, key)
    except Http404:
        return None


# --- Reads ----------------------------------------------------------------------------------------


def draft_for(*, user: User, key: str, now: datetime | None = None) -> Draft | None:
    """The person's own live draft for this form, offered back (audited); None if there is none."""
    draft = Draft.objects.filter(user=user, key=key, expires_at__gt=now or timezone.now()).first()
    if draft is None:
        return None
    audit_record(actor=user, action=AuditAction.DRAFT_RESTORED, target=draft)
    return draft


def drafts_for(*, user: User, keys: Iterable[str], now: datetime | None = None) -> dict[str, Draft]:
    """`draft_for` for the several forms of one page, in one query: key → draft."""
    found = Draft.objects.filter(user=user, key__in=list(keys), expires_at__gt=now or timezone.now())
    by_key = {draft.key: draft for draft in found}
    for draft in by_key.values():
        audit_record(actor=user, action=AuditAction.DRAFT_RESTORED, target=draft)
    return by_key


def draft_initial(draft: Draft | None) -> dict:
    """A draft as a form's initial data (a kept value wins over the stored record's)."""
    if draft is None:
        return {}
    form = _FORMS.get(draft.key.partition(":")[0])
    multiple = form.multiple if form else ()
    values = json.loads(draft.data)
    return {name: (kept if name in multiple else (kept[0] if kept else "")) for name, kept in values.items()}


def draft_page(*, user: User, key: str) -> tuple[Draft | None, dict]:
    """For a form's page: the draft to offer back (if any) and the initial data it gives."""
    draft = draft_for(user=user, key=key)
    return draft, draft_initial(draft)
