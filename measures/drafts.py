"""The portal questionnaire keeps drafts (practice/drafts.py), registered from `MeasuresConfig.ready()`.

Key: "measures.request:<request id>"; the check is `access.get_portal_request` (the member's own
requests only). The fields kept are the answers' radio groups (item_<id>), nothing else.
"""

from django.urls import reverse

from measures import access
from practice.drafts import draft_key, register_draft_form
from practice.models import User

PREFIX = "measures.request"
ITEM_FIELDS = [f"item_{n}" for n in range(1, 101)]  # every item id a definition may reasonably use


def request_key(request_id: int) -> str:
    return draft_key(PREFIX, request_id)


def may_answer(user: User, ident: str) -> bool:
    access.get_portal_request(user, int(ident))
    return True


def register() -> None:
    register_draft_form(
        PREFIX,
        check=may_answer,
        fields=ITEM_FIELDS,
        page=lambda ident: reverse("portal:measure", args=[int(ident)]),
        posts={"portal:measure": lambda user, kw: str(kw["request_id"])},
    )
