"""A couple from first contact to signed notes, and what each partner then sees in the portal."""

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from clients.models import Client, IntakeResponse, Note

PASSWORD = "a-long-new-pass-42"


def accept_invitation(web, mail) -> None:
    path = re.search(r"http://testserver(/invitation/\S+/)", mail.body).group(1)
    form_url = web.get(path).url
    assert web.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD}).status_code == 302


def test_a_couple_from_first_contact_to_signed_notes(client, alice, deliver, mailoutbox, settings):
    from django.test import Client as Browser

    therapist = client
    therapist.force_login(alice.user)
    data = {"kind": "couple", "status": "prospective", "confidentiality_policy": "limited_secrets"}
    for prefix, first in (("m1", "Ada"), ("m2", "Bea")):
        person = {"first_name": first, "last_name": "X", "email": f"{first}@example.net", "time_zone": "Europe/London"}
        data.update({f"{prefix}-{k}": v for k, v in person.items()})
    therapist.post(reverse("clients:create"), data)
    unit = Client.objects.get()
    ada, bea = unit.members.order_by("position")

    settings.SITE_URL = "http://testserver"
    for person in (ada, bea):
        therapist.post(reverse("clients:member_invite", args=[unit.pk, person.pk]))
    deliver()
    browsers = {"ada": Browser(), "bea": Browser()}
    for name, mail in zip(("ada", "bea"), mailoutbox, strict=True):
        accept_invitation(browsers[name], mail)

    intake = {
        "hopes": "ADA-HOPES-MARKER",
        "risk_self_harm": "no",
        "risk_harm_to_others": "no",
        "risk_unsafe_at_home": "no",
        "action": "submit",
    }
    browsers["ada"].post(reverse("portal:intake"), intake)
    browsers["ada"].post(reverse("portal:policy_acknowledge"))
    assert IntakeResponse.objects.get(member=ada).status == "submitted"

    page = therapist.get(reverse("clients:detail", args=[unit.pk])).content.decode()
    assert "to review" in page and "acknowledged" in page
    assert "ADA-HOPES-MARKER" in therapist.get(reverse("clients:intake", args=[unit.pk, ada.pk])).content.decode()
    therapist.post(reverse("clients:intake_reviewed", args=[unit.pk, ada.pk]))
    goal = {"status": "active", "review_on": (timezone.localdate() + timedelta(days=60)).isoformat()}
    shared = {**goal, "text": "SHARED-GOAL", "shared_with_client": "on"}
    therapist.post(reverse("clients:goal_create", args=[unit.pk]), shared)
    therapist.post(reverse("clients:goal_create", args=[unit.pk]), {**goal, "text": "PRIVATE-GOAL"})
    note = {"kind": "progress", "session_date": "2026-11-26", "about_member": bea.pk, "joint_use": "keep_private"}
    therapist.post(reverse("clients:note_create", args=[unit.pk]), {**note, "body": "BEA-SECRET-NOTE"})
    therapist.post(reverse("clients:note_sign", args=[Note.objects.get().pk]))
    assert Note.objects.get().is_signed

    for name, browser in browsers.items():
        seen = "".join(
            browser.get(url).content.decode()
            for url in [
                reverse("portal:home"),
                reverse("portal:intake"),
                reverse("portal:profile"),
                reverse("portal:consents"),
            ]
        )
        assert "SHARED-GOAL" in seen
        assert "PRIVATE-GOAL" not in seen and "BEA-SECRET-NOTE" not in seen
        assert ("ADA-HOPES-MARKER" in seen) is (name == "ada")
