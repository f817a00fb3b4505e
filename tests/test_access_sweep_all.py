"""The project-wide access sweep: every URL pattern that takes an object id (`<int:...>`), found by
walking the whole URL tree, is tried with GET and POST by another therapist, a staff member, another
client and an anonymous visitor. Each must get 404, 405 or a redirect to sign-in: never 200, never 500.

A route nobody registered below fails `test_every_id_route_is_in_the_registry` with "add <name> to the
sweep registry", so a new route is covered without anyone remembering to add it. The per-app sweeps
(tests/*/test_access_sweep.py) go deeper per app; this one is the net under all of them.

Excluded on purpose: the admin (its own permission checks, reached only by superusers through allauth
with a second factor, see tests/practice/test_admin.py), allauth's account pages (no object ids of
ours) and static files.
"""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.utils import timezone

from billing import services as billing_services
from billing import superbill_services
from billing.models import Service
from clients.alerts import risk_alert_raise
from clients.models import Consent, Goal, IntakeResponse, Note, NoteTemplate, RiskAlert
from documents import services as document_services
from documents.models import DocumentTemplate
from measures import services as measure_services
from measures.models import MeasureRequest
from messaging import access as messaging_access
from messaging import services as messaging_services
from referrals import services as referral_services
from resources import services as resource_services
from sessions_app import services as session_services
from sessions_app.models import Modality, TimeOff, WorkingHours
from tests.factories import (
    ClientFactory,
    ReferralFactory,
    ReferrerFactory,
    ResourceFactory,
    WorkshopFactory,
    couple,
    portal_user_for,
    programme,
    sign_documents,
    sign_for_video,
)
from tests.referrals.conftest import grant_release

SIGN_IN = "/accounts/login/"


def _excluded(resolver: URLResolver) -> bool:
    module = getattr(resolver.urlconf_module, "__name__", "") or ""
    if resolver.app_name == "admin":  # Django admin: superusers only, its own checks
        return True
    if module.startswith("allauth"):  # allauth account pages: no ids of ours
        return True
    return str(resolver.pattern).startswith("static")  # static files


def id_routes(patterns=None, namespace: str = "") -> dict[str, URLPattern]:
    """Every named pattern with an int converter, keyed by its full namespaced name."""
    found: dict[str, URLPattern] = {}
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            if _excluded(p):
                continue
            inner = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
            found.update(id_routes(p.url_patterns, inner or ""))
        elif any(isinstance(c, IntConverter) for c in p.pattern.converters.values()):
            assert p.name, f"the id route {p.pattern} has no name: name it and add it to the sweep registry"
            found[f"{namespace}:{p.name}" if namespace else p.name] = p
    return found


# --- the records: everything belongs to Alice's couple (partner B's portal account is "the client") ---


@pytest.fixture
def stranger(alice):
    """Another client: a portal account with its own member in another unit (also Alice's)."""
    return portal_user_for(ClientFactory(primary_therapist=alice).members.get())


@pytest.fixture
def record(alice):
    unit = couple(alice, signed=False)
    partner_a, partner_b = unit.members.order_by("position")
    portal_user_for(partner_a)
    portal_user_for(partner_b)
    intake = IntakeResponse.objects.create(member=partner_b, status="submitted", hopes="x", risk_self_harm="yes")
    alert = risk_alert_raise(member=partner_b, source=RiskAlert.Source.INTAKE, source_id=intake.pk, by=alice.user)

    reading = ResourceFactory(title="A reading")
    staged = programme(3)
    workshop = WorkshopFactory(capacity=5)
    assignment = resource_services.assignment_create(client=unit, resource=reading, by=alice.user, member=partner_b)
    staged_assignment = resource_services.assignment_create(
        client=unit, resource=staged, by=alice.user, member=partner_b
    )

    referral = ReferralFactory(kind="couple", referrer=ReferrerFactory(kind="physician"))
    referral, _ = referral_services.referral_accept(
        referral=referral, by=alice.user, therapist=alice, base_url="http://testserver/"
    )
    first = referral.client.members.order_by("position").first()
    grant_release(referral, alice.user, members=[first])

    treatment = DocumentTemplate.objects.get(kind="treatment")
    signature = document_services.paper_consent_record(  # partner B's informed consent, from paper
        version=treatment.versions.order_by("-number").first(),
        member=partner_b,
        by=alice.user,
        signed_on=timezone.localdate() - timedelta(days=1),
        scan=SimpleUploadedFile("scan.pdf", b"%PDF-1.4 test", content_type="application/pdf"),
    )
    sign_for_video(partner_a)
    sign_documents(partner_b, purposes=("video",))

    start = (timezone.now() + timedelta(days=21)).replace(hour=10, minute=0, second=0, microsecond=0)
    appointment = session_services.appointment_book(
        therapist=alice,
        client=unit,
        members=[partner_a, partner_b],
        start=start,
        by=alice.user,
        modality=Modality.VIDEO,
    )
    far = datetime(2099, 1, 1, tzinfo=UTC)
    handout = document_services.handout_share(
        client=unit,
        member=partner_b,
        title="A worksheet",
        file=SimpleUploadedFile("sheet.pdf", b"%PDF-1.4 handout", content_type="application/pdf"),
        by=alice.user,
    )
    workshop_fee, _ = Service.objects.get_or_create(
        code="WORKSHOP", defaults={"name": "Workshop fee", "kind": "practice", "default_fee": 60}
    )
    # partner B pays, so partner B is the portal owner of the unit's invoices
    billing_services.billing_party_set(client=unit, kind="member", member=partner_b, by=alice.user)
    charge = billing_services.charge_create(client=unit, service=workshop_fee, on=timezone.localdate(), by=alice.user)
    invoice = billing_services.invoice_issue(client=unit, charges=[charge], by=alice.user)
    today = timezone.localdate()
    measure = measure_services.assignment_create(
        client=unit, by=alice.user, instrument="phq9", schedule="once", member=partner_b
    )
    measure_response, _score = measure_services.response_administer(
        member=partner_b, instrument="csi4", by=alice.user, answers={"1": 3, "2": 3, "3": 3, "4": 3}
    )
    joint = messaging_services.message_send(
        channel=messaging_access.get_practice_channel(alice.user, unit.pk, "joint"),
        by=alice.user,
        body="to both",
        upload=SimpleUploadedFile("sheet.pdf", b"%PDF-1.4 sheet", content_type="application/pdf"),
    )
    private = messaging_services.message_send(
        channel=messaging_access.get_portal_channel(partner_b.user, "private"),
        by=partner_b.user,
        body="to my therapist",
        upload=SimpleUploadedFile("note.pdf", b"%PDF-1.4 note", content_type="application/pdf"),
    )
    return {
        "measure": measure,
        "measure_request": MeasureRequest.objects.get(assignment=measure),
        "measure_response": measure_response,
        "joint_message": joint,
        "private_message": private,
        "invoice": invoice,
        "charge": charge,
        "diagnosis": superbill_services.diagnosis_add(member=partner_b, code="Z63.0", by=alice.user),
        "superbill": superbill_services.superbill_issue(
            member=partner_b, period_start=today - timedelta(days=30), period_end=today, by=alice.user
        ),
        "estimate": superbill_services.estimate_issue(
            member=partner_b,
            period_start=today,
            period_end=today + timedelta(days=90),
            lines=[(workshop_fee, 6, None)],
            by=alice.user,
        ),
        "handout": handout,
        "document": treatment,
        "version": signature.version,
        "signature": signature,
        "unit": unit,
        "partner_b": partner_b,
        "alert": alert,
        "reading": reading,
        "workshop": workshop,
        "goal": Goal.objects.create(client=unit, text="g", created_by=alice),
        "note": Note.objects.create(client=unit, author=alice, body="n"),
        "note_template": NoteTemplate.objects.create(name="Alice's own", body="Themes:\n", created_by=alice),
        "consent": Consent.objects.create(client=unit, member=partner_b, kind="treatment", recorded_by=alice.user),
        "assignment": assignment,
        "staged": staged_assignment,
        "step": staged.steps.order_by("order").first(),
        "registration": resource_services.registration_create(workshop=workshop, member=partner_b, by=partner_b.user),
        "referral": referral,
        "appointment": appointment,
        "hours": WorkingHours.objects.create(therapist=alice, weekday=5, start=time(9), end=time(12)),
        "time_off": TimeOff.objects.create(therapist=alice, start=far, end=far + timedelta(days=1)),
    }


def _unit(r):
    return {"client_id": r["unit"].pk}


def _unit_member(r):
    return {"client_id": r["unit"].pk, "member_id": r["partner_b"].pk}


def _appointment(r):
    return {"appointment_id": r["appointment"].pk}


def _referral(r):
    return {"referral_id": r["referral"].pk}


def _assignment(r):
    return {"assignment_id": r["assignment"].pk}


def _resource(r):
    return {"resource_id": r["reading"].pk}


def _workshop(r):
    return {"workshop_id": r["workshop"].pk}


# url name → kwargs built from the fixture `record` (whose objects all belong to Alice and her clients)
REGISTRY = {
    "clients:detail": _unit,
    "clients:edit": _unit,
    "clients:contact": _unit,
    "clients:export": _unit,
    "clients:member_edit": _unit_member,
    "clients:member_invite": _unit_member,
    "clients:intake": _unit_member,
    "clients:intake_reviewed": _unit_member,
    "clients:goal_create": _unit,
    "clients:goal_edit": lambda r: {"goal_id": r["goal"].pk},
    "clients:note_create": _unit,
    "clients:note": lambda r: {"note_id": r["note"].pk},
    "clients:note_edit": lambda r: {"note_id": r["note"].pk},
    "clients:note_sign": lambda r: {"note_id": r["note"].pk},
    "clients:addendum_add": lambda r: {"note_id": r["note"].pk},
    "clients:consent_create": _unit,
    # Its author's to edit (another therapist gets 404; the starter ones only in the admin).
    "clients:note_template_edit": lambda r: {"template_id": r["note_template"].pk},
    # The unit's therapists and the clinical lead only (tests/clients/test_risk_alerts.py tries the lead).
    "clients:alert_detail": lambda r: {"client_id": r["unit"].pk, "alert_id": r["alert"].pk},
    "clients:consent_revoke": lambda r: {"consent_id": r["consent"].pk},
    "portal:consent_withdraw": lambda r: {"consent_id": r["consent"].pk},
    "portal:session_cancel": _appointment,
    "portal:session_move": _appointment,
    "portal:session_join": _appointment,  # a video session's room: attending members only
    "sessions_app:appointment": _appointment,
    "sessions_app:appointment_move": _appointment,
    "sessions_app:appointment_cancel": _appointment,
    "sessions_app:appointment_mark": _appointment,
    "sessions_app:hours_delete": lambda r: {"block_id": r["hours"].pk},
    "sessions_app:time_off_delete": lambda r: {"time_off_id": r["time_off"].pk},
    "sessions_app:member_reminders": _unit_member,  # a member's reminder schedule: treating therapists only
    "referrals:detail": _referral,
    "referrals:contacted": _referral,
    "referrals:accept": _referral,
    "referrals:waitlist": _referral,
    "referrals:decline": _referral,
    "referrals:refer_on": _referral,
    "referrals:letter": _referral,
    "resources:resource": _resource,
    "resources:resource_edit": _resource,
    "resources:resource_file": _resource,
    "resources:workshop": _workshop,
    "resources:workshop_edit": _workshop,
    "resources:workshop_register": _workshop,
    "resources:registration_cancel": lambda r: {"registration_id": r["registration"].pk},
    "resources:client_assignments": _unit,
    "resources:assignment_create": _unit,
    "resources:assignment": _assignment,
    "resources:assignment_edit": _assignment,
    "resources:assignment_release": lambda r: {"assignment_id": r["staged"].pk},
    "resources:assignment_feedback": _assignment,
    "resources:member_log": lambda r: {"assignment_id": r["assignment"].pk, "member_id": r["partner_b"].pk},
    "portal:assignment": _assignment,
    "portal:assignment_open": _assignment,
    "portal:progress": _assignment,
    "portal:step_progress": lambda r: {"assignment_id": r["staged"].pk, "step_id": r["step"].pk},
    "portal:workshop_register": _workshop,
    "portal:workshop_cancel": _workshop,
    "documents:template": lambda r: {"template_id": r["document"].pk},
    "documents:publish": lambda r: {"template_id": r["document"].pk},
    "documents:client": _unit,
    "documents:request": _unit,
    "documents:paper": _unit,
    "documents:signature_pdf": lambda r: {"signature_id": r["signature"].pk},
    "documents:signature_scan": lambda r: {"signature_id": r["signature"].pk},
    "portal:document_sign": lambda r: {"version_id": r["version"].pk},
    "portal:signature_withdraw": lambda r: {"signature_id": r["signature"].pk},
    "portal:signature_pdf": lambda r: {"signature_id": r["signature"].pk},
    "documents:signature_withdraw": lambda r: {"signature_id": r["signature"].pk},
    "documents:handouts": _unit,
    "documents:handout_file": lambda r: {"shared_id": r["handout"].pk},
    "documents:handout_unshare": lambda r: {"shared_id": r["handout"].pk},
    "portal:handout": lambda r: {"shared_id": r["handout"].pk},
    "billing:ledger": _unit,
    "billing:payment_record": _unit,
    "billing:refund_record": _unit,
    "billing:party_set": _unit,
    "billing:charge_void": lambda r: {"charge_id": r["charge"].pk},
    "billing:write_off_record": lambda r: {"charge_id": r["charge"].pk},
    "billing:appointment_service": _appointment,
    "billing:invoice_issue": _unit,
    "billing:statement_download": _unit,
    "billing:invoice_download": lambda r: {"invoice_id": r["invoice"].pk},
    "billing:invoice_void": lambda r: {"invoice_id": r["invoice"].pk},
    "portal:billing_invoice": lambda r: {"invoice_id": r["invoice"].pk},
    "billing:diagnoses": _unit,
    "billing:diagnosis_remove": lambda r: {"diagnosis_id": r["diagnosis"].pk},
    "billing:superbills": _unit,
    "billing:superbill_pdf": lambda r: {"superbill_id": r["superbill"].pk},
    "billing:estimates": _unit,
    "billing:estimate_pdf": lambda r: {"estimate_id": r["estimate"].pk},
    "portal:superbill_pdf": lambda r: {"superbill_id": r["superbill"].pk},
    "portal:estimate_pdf": lambda r: {"estimate_id": r["estimate"].pk},
    "portal:estimate_acknowledge": lambda r: {"estimate_id": r["estimate"].pk},
    "measures:client": _unit,
    "measures:assign": _unit,
    "measures:administer": _unit_member,
    "measures:assignment_end": lambda r: {"assignment_id": r["measure"].pk},
    "measures:response": lambda r: {"response_id": r["measure_response"].pk},
    "portal:measure": lambda r: {"request_id": r["measure_request"].pk},
    # Messaging: the joint thread (staff reach office threads only: tests/messaging/test_access.py).
    "messaging:thread": lambda r: {"client_id": r["unit"].pk, "channel": "joint"},
    "messaging:poll": lambda r: {"client_id": r["unit"].pk, "channel": "joint"},
    "messaging:withdraw": lambda r: {"message_id": r["joint_message"].pk},
    "messaging:attachment": lambda r: {"attachment_id": r["joint_message"].attachments.get().pk},
    "portal:message_withdraw": lambda r: {"message_id": r["private_message"].pk},
    "portal:message_attachment": lambda r: {"attachment_id": r["private_message"].attachments.get().pk},
    # The practice owner's (an admin's, or a therapist marked owner) only: tests/frontdesk/test_activity.py.
    "activity:client": _unit,
}
# Diagnosis codes are clinical: staff reach these only when BILLING_STAFF_SEE_DIAGNOSIS is on
# (tests/billing/test_superbills.py turns it on).
DIAGNOSIS = {"billing:diagnoses", "billing:diagnosis_remove", "billing:superbills", "billing:superbill_pdf"}
BILLING = {name for name in REGISTRY if name.startswith("billing:")} - DIAGNOSIS

# Where an actor is legitimately entitled (so they are not an outsider there), with the reason.
ENTITLED = {
    "staff": {
        "clients:contact",  # contact details: staff phone and write to clients
        "sessions_app:appointment",  # scheduling is staff work; appointments hold no clinical text
        "sessions_app:appointment_move",
        "sessions_app:appointment_cancel",
        "sessions_app:appointment_mark",
        "referrals:detail",  # referral triage is staff work (the letter is not: the treating therapist's)
        "referrals:contacted",
        "referrals:accept",
        "referrals:waitlist",
        "referrals:decline",
        "referrals:refer_on",
        *BILLING,  # money is staff work (billing/access.py); billing pages hold no clinical text
    },
    "charlie": {  # the library, the workshops and the practice's documents are shared by every therapist
        "documents:template",
        "documents:publish",
        "resources:resource",
        "resources:resource_edit",
        "resources:resource_file",
        "resources:workshop",
        "resources:workshop_edit",
        "resources:workshop_register",
    },
    "stranger": {  # any client may register themselves for a workshop, or cancel their own registration,
        # and signs the practice's documents for themselves (the member is always the signed-in one)
        "portal:document_sign",
        "portal:workshop_register",
        "portal:workshop_cancel",
    },
}
PORTAL_PREFIXES = ("portal:",)


def url_for(name: str, record) -> str:
    return reverse(name, kwargs=REGISTRY[name](record))


def test_every_id_route_is_in_the_registry():
    routes = id_routes()
    assert len(routes) >= len(REGISTRY) // 2, "the URL walk found too few routes: is it still walking includes?"
    missing = sorted(set(routes) - set(REGISTRY))
    assert not missing, "; ".join(f"add {name} to the sweep registry" for name in missing)
    gone = sorted(set(REGISTRY) - set(routes))
    assert not gone, f"routes in the registry that no longer exist: {gone}"
    for names in ENTITLED.values():
        assert names <= set(REGISTRY)


def test_the_walk_reaches_every_app_and_skips_admin_and_allauth():
    names = set(id_routes())
    assert {n.split(":")[0] for n in names} == {
        "clients",
        "documents",
        "portal",
        "sessions_app",
        "referrals",
        "resources",
        "billing",
        "measures",
        "messaging",
        "activity",
    }
    assert not any(n.startswith(("admin:", "account_", "mfa_")) for n in names)


# --- the sweep ------------------------------------------------------------------------------------

ROUTES = sorted(REGISTRY)


def _login(client, request, who):
    if who == "anonymous":
        return
    if who == "staff":
        client.force_login(request.getfixturevalue("staff_user"))
    elif who == "charlie":
        client.force_login(request.getfixturevalue("charlie").user)
    else:
        client.force_login(request.getfixturevalue("stranger"))


def _refused(response) -> bool:
    if response.status_code in (404, 405):
        return True
    return response.status_code == 302 and response.url.startswith(SIGN_IN)


OUTSIDERS = [
    (who, name)
    for who in ("anonymous", "charlie", "staff", "stranger")
    for name in ROUTES
    if name not in ENTITLED.get(who, ())  # those are in test_entitled_outsiders_reach_it
]
NO_FILE = {"resources:resource_file"}  # the fixture's reading is a link, not an upload: 404 for everyone


@pytest.mark.parametrize(("who", "name"), OUTSIDERS)
def test_outsiders_are_refused(client, request, record, who, name):
    _login(client, request, who)
    url = url_for(name, record)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert _refused(response), f"{who} {method.upper()} {name} → {response.status_code}"


@pytest.mark.parametrize(("who", "name"), sorted((who, n) for who, names in ENTITLED.items() for n in names))
def test_entitled_outsiders_reach_it(client, request, record, who, name):
    """Where staff (or another therapist, or any client) may be: a page or a redirect, never 404 or 500."""
    _login(client, request, who)
    url = url_for(name, record)
    statuses = {getattr(client, method)(url).status_code for method in ("get", "post")}
    if name in NO_FILE:
        assert statuses == {404, 405}
        return
    assert 500 not in statuses and 404 not in statuses, (name, statuses)
    assert statuses & {200, 302, 400}, (name, statuses)


OWNER_PAGES = ("activity:",)  # the practice's activity: its owner's (Alice made owner for the test)


def _owner_of(record, name):
    if name.startswith(PORTAL_PREFIXES):
        return record["partner_b"].user
    user = record["unit"].primary_therapist.user
    if name.startswith(OWNER_PAGES):
        user.practice_owner = True
        user.save(update_fields=["practice_owner"])
    return user


@pytest.mark.parametrize("name", ROUTES)
def test_the_owner_reaches_it(client, record, name):
    """The registry builds real objects: the entitled user is not refused (else the sweep proves nothing)."""
    client.force_login(_owner_of(record, name))
    url = url_for(name, record)
    statuses = {getattr(client, method)(url).status_code for method in ("get", "post")}
    assert 500 not in statuses, (name, statuses)
    if name not in NO_FILE:
        assert 404 not in statuses, (name, statuses)


@pytest.mark.parametrize("name", ROUTES)
def test_missing_ids_look_like_forbidden_ones(client, record, name):
    client.force_login(_owner_of(record, name))
    kwargs = dict.fromkeys(REGISTRY[name](record), 424242)
    url = reverse(name, kwargs=kwargs)
    for method in ("get", "post"):
        assert getattr(client, method)(url).status_code in (404, 405), (name, method)
