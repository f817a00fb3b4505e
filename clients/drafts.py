"""The clients app's forms that keep drafts (practice/drafts.py), registered from `ClientsConfig.ready()`.

Keys: "clients.note_new:<client id>" (a new note), "clients.note:<note id>" (an unsigned note being
edited), "clients.addendum:<note id>" (an addendum to a signed note), "clients.intake:<member id>"
(the member's own questionnaire, until it is sent). Each check goes through `clients.access`, so a
key naming another therapist's client or note, or the other partner's questionnaire, is refused.
"""

from django.urls import reverse

from clients import access
from clients.models import IntakeResponse
from clients.services import INTAKE_FIELDS, NOTE_FIELDS
from practice.drafts import register_draft_form
from practice.models import User

NOTE_NEW = "clients.note_new"
NOTE = "clients.note"
ADDENDUM = "clients.addendum"
INTAKE = "clients.intake"


def may_write_note_for(user: User, ident: str) -> bool:
    if not user.is_therapist:
        return False
    access.get_client_for_user(user, int(ident))
    return True


def may_edit_note(user: User, ident: str) -> bool:
    if not user.is_therapist:
        return False
    return not access.get_note_for_user(user, int(ident)).is_signed


def may_add_addendum(user: User, ident: str) -> bool:
    if not user.is_therapist:
        return False
    return access.get_note_for_user(user, int(ident)).is_signed


def may_write_intake(user: User, ident: str) -> bool:
    member = access.get_portal_member(user)
    if member.pk != int(ident):
        return False
    sent = IntakeResponse.objects.filter(member=member, status=IntakeResponse.Status.SUBMITTED).exists()
    return not sent


def own_member_id(user: User, _kwargs: dict) -> str:
    return str(access.get_portal_member(user).pk)


def register() -> None:
    register_draft_form(
        NOTE_NEW,
        check=may_write_note_for,
        fields=NOTE_FIELDS,
        page=lambda ident: reverse("clients:note_create", args=[ident]),
        posts={"clients:note_create": lambda user, kw: str(kw["client_id"])},
    )
    register_draft_form(
        NOTE,
        check=may_edit_note,
        fields=NOTE_FIELDS,
        page=lambda ident: reverse("clients:note_edit", args=[ident]),
        posts={"clients:note_edit": lambda user, kw: str(kw["note_id"])},
    )
    register_draft_form(
        ADDENDUM,
        check=may_add_addendum,
        fields=["body"],
        page=lambda ident: reverse("clients:note", args=[ident]),
        posts={"clients:addendum_add": lambda user, kw: str(kw["note_id"])},
    )
    register_draft_form(
        INTAKE,
        check=may_write_intake,
        fields=INTAKE_FIELDS,
        multiple=["concerns"],
        page=lambda ident: reverse("portal:intake"),
        posts={"portal:intake": own_member_id},
    )
