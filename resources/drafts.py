"""The portal's logs and reflections keep drafts (practice/drafts.py), registered from `ResourcesConfig.ready()`.

Keys: "resources.progress:<assignment id>" (the reflection on a resource as a whole) and
"resources.progress:<assignment id>:<stage id>" (the log of one stage of a programme). The check is
`access.get_portal_step`: only the member's own assignments, never another unit's.
"""

from django.urls import reverse

from practice.drafts import draft_key, register_draft_form
from practice.models import User
from resources import access

PROGRESS = "resources.progress"


def progress_key(assignment_id: int, step_id: int | None = None) -> str:
    return draft_key(PROGRESS, assignment_id) if step_id is None else draft_key(PROGRESS, assignment_id, step_id)


def _ids(ident: str) -> tuple[int, int | None]:
    assignment_id, _sep, step_id = ident.partition(":")
    return int(assignment_id), (int(step_id) if step_id else None)


def may_write_progress(user: User, ident: str) -> bool:
    access.get_portal_step(user, *_ids(ident))
    return True


def register() -> None:
    register_draft_form(
        PROGRESS,
        check=may_write_progress,
        fields=["log"],
        page=lambda ident: reverse("portal:assignment", args=[_ids(ident)[0]]),
        posts={
            "portal:progress": lambda user, kw: str(kw["assignment_id"]),
            "portal:step_progress": lambda user, kw: f"{kw['assignment_id']}:{kw['step_id']}",
        },
    )
