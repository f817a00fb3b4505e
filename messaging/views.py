"""Threads in the portal (a member's own channels) and for the practice (a unit's channels).

Both sides share one page: the messages, the box with the crisis text beside it, and a poll that
htmx repeats (the page works the same without JavaScript: reload it). Reads by therapists and staff
are audited (services.thread_read); a poll is audited only when it shows messages new to the reader.
"""

import mimetypes
from datetime import timedelta

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.access import get_portal_member
from clients.models import Client
from messaging import access, selectors, services
from messaging.access import Channel
from messaging.drafts import message_key
from messaging.forms import MessageForm, NoticePreferenceForm
from messaging.models import NoticePreference, Thread
from practice import drafts
from practice.access import role_required
from practice.audit import audit_record
from practice.downloads import as_attachment
from practice.forms_support import apply_errors, refuse
from practice.models import AuditAction, User

PRACTICE = (User.Role.THERAPIST, User.Role.STAFF)
POLICY_LINE = {
    Client.Policy.LIMITED_SECRETS: (
        "Under your couple's policy, your therapist may decide with you whether this is raised in joint sessions."
    ),
    Client.Policy.NO_SECRETS: (
        "Under your couple's policy (no secrets), what you write here may be raised in joint sessions."
    ),
}
OFFICE_LINE = (
    "This thread is for scheduling and billing questions. Practice staff read it: please do not write about "
    "your therapy here; use your private thread for that."
)


def _urls(channel: Channel, portal: bool) -> dict:
    if portal:
        return {
            "send_url": reverse("portal:message_thread", args=[channel.slug]),
            "poll_url": reverse("portal:message_poll", args=[channel.slug]),
            "withdraw_name": "portal:message_withdraw",
            "attachment_name": "portal:message_attachment",
        }
    return {
        "send_url": reverse("messaging:thread", args=[channel.client.pk, channel.slug]),
        "poll_url": reverse("messaging:poll", args=[channel.client.pk, channel.slug]),
        "withdraw_name": "messaging:withdraw",
        "attachment_name": "messaging:attachment",
    }


def _messages_context(request: HttpRequest, channel: Channel, portal: bool) -> dict:
    now = timezone.now()
    rows = selectors.thread_messages(channel.thread)
    labels = selectors.sender_labels(channel.client)
    for row in rows:
        row.mine = row.sender_id == request.user.pk
        row.label = "You" if row.mine else labels.get(row.sender_id, "Practice office")
        row.withdrawable = row.mine and row.withdrawn_at is None and now - row.sent_at <= timedelta(minutes=5)
        row.read_by = [r for r in row.receipts.all() if r.user_id != row.sender_id]
    return {"channel": channel, "rows": rows, "portal": portal, **_urls(channel, portal)}


def _thread_page(request: HttpRequest, channel: Channel, *, portal: bool) -> HttpResponse:
    key = message_key(channel, portal=portal)
    draft, initial = drafts.draft_page(user=request.user, key=key) if channel.can_write else (None, {})
    form, status = MessageForm(initial=initial), 200
    if request.method == "POST":
        form = MessageForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.message_send(
                    channel=channel,
                    by=request.user,
                    body=form.cleaned_data["body"],
                    upload=form.cleaned_data["attachment"],
                )
            except ValidationError as error:
                apply_errors(form, error)
                status = 429 if getattr(error, "code", "") == "rate" else 400
            else:
                drafts.draft_discard(user=request.user, key=key)
                flash.success(request, "Your message was sent.")
                return redirect(_urls(channel, portal)["send_url"])
        else:
            status = 400
    services.thread_read(channel=channel, by=request.user)
    context = _messages_context(request, channel, portal)
    context.update(form=form, office_line=OFFICE_LINE, draft=draft, draft_key=key)
    first_private = portal and channel.kind == Thread.Kind.PRIVATE and channel.client.kind == Client.Kind.COUPLE
    if first_private and not selectors.has_sent_in(channel.thread, request.user):
        context["policy_line"] = POLICY_LINE.get(channel.client.confidentiality_policy, "")
    return render(request, "messaging/thread.html", context, status=status)


def _poll(request: HttpRequest, channel: Channel, *, portal: bool) -> HttpResponse:
    new = services.thread_read(channel=channel, by=request.user, audit=False)
    if new and not request.user.is_client:
        audit_record(
            actor=request.user,
            action=AuditAction.VIEW,
            target=channel.thread or channel.client,
            client_id=channel.client.pk,
        )
    return render(request, "messaging/_messages.html", _messages_context(request, channel, portal))


def _withdraw(request: HttpRequest, message_id: int, *, portal: bool) -> HttpResponse:
    message = access.get_own_message(request.user, message_id)
    try:
        services.message_withdraw(message=message, by=request.user)
    except ValidationError as error:
        refuse(request, error)
    else:
        flash.success(request, "The message was withdrawn. Nobody will see its text.")
    thread = message.thread
    if portal:
        return redirect("portal:message_thread", thread.kind)
    slug = "joint" if thread.kind == Thread.Kind.JOINT else f"{thread.kind}-{thread.member.position}"
    return redirect("messaging:thread", thread.client_id, slug)


def _attachment(request: HttpRequest, attachment_id: int) -> HttpResponse:
    attachment = access.get_attachment_for_user(request.user, attachment_id)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise Http404 from exc
    audit_record(
        actor=request.user, action=AuditAction.EXPORT, target=attachment, client_id=attachment.message.thread.client_id
    )
    content_type = mimetypes.guess_type(attachment.file.name)[0] or "application/octet-stream"
    return as_attachment(
        FileResponse(handle, content_type=content_type), f"attachment-{attachment.pk}{attachment.extension}"
    )


# --- Portal ---------------------------------------------------------------------------------------


@require_GET
@role_required(User.Role.CLIENT)
def portal_messages(request: HttpRequest) -> HttpResponse:
    member = get_portal_member(request.user)
    threads = selectors.portal_threads(member=member)
    channels = [("private", "With your therapist (private)")]
    if member.client.kind == Client.Kind.COUPLE:
        channels.append(("joint", "Together with your partner and your therapist"))
    channels.append(("admin", "The practice office (scheduling and billing)"))
    rows = [{"slug": slug, "label": label, "thread": threads.get(slug)} for slug, label in channels]
    return render(request, "messaging/portal_list.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@role_required(User.Role.CLIENT)
def portal_thread(request: HttpRequest, channel: str) -> HttpResponse:
    return _thread_page(request, access.get_portal_channel(request.user, channel), portal=True)


@require_GET
@role_required(User.Role.CLIENT)
def portal_poll(request: HttpRequest, channel: str) -> HttpResponse:
    return _poll(request, access.get_portal_channel(request.user, channel), portal=True)


@require_POST
@role_required(User.Role.CLIENT)
def portal_withdraw(request: HttpRequest, message_id: int) -> HttpResponse:
    return _withdraw(request, message_id, portal=True)


@require_GET
@role_required(User.Role.CLIENT)
def portal_attachment(request: HttpRequest, attachment_id: int) -> HttpResponse:
    return _attachment(request, attachment_id)


# --- The practice ---------------------------------------------------------------------------------


@require_GET
@role_required(*PRACTICE)
def inbox(request: HttpRequest) -> HttpResponse:
    threads = selectors.inbox(user=request.user)
    for thread in threads:
        thread.slug = "joint" if thread.kind == Thread.Kind.JOINT else f"{thread.kind}-{thread.position}"
    return render(request, "messaging/inbox.html", {"threads": threads})


@require_http_methods(["GET", "POST"])
@role_required(*PRACTICE)
def thread(request: HttpRequest, client_id: int, channel: str) -> HttpResponse:
    return _thread_page(request, access.get_practice_channel(request.user, client_id, channel), portal=False)


@require_GET
@role_required(*PRACTICE)
def poll(request: HttpRequest, client_id: int, channel: str) -> HttpResponse:
    return _poll(request, access.get_practice_channel(request.user, client_id, channel), portal=False)


@require_POST
@role_required(*PRACTICE)
def withdraw(request: HttpRequest, message_id: int) -> HttpResponse:
    return _withdraw(request, message_id, portal=False)


@require_GET
@role_required(*PRACTICE)
def attachment(request: HttpRequest, attachment_id: int) -> HttpResponse:
    return _attachment(request, attachment_id)


@require_http_methods(["GET", "POST"])
@role_required(User.Role.THERAPIST)
def notice_preference(request: HttpRequest) -> HttpResponse:
    current = NoticePreference.objects.filter(user=request.user).values_list("mode", flat=True).first()
    form = NoticePreferenceForm(request.POST or None, initial={"mode": current or NoticePreference.Mode.IMMEDIATE})
    if request.method == "POST" and form.is_valid():
        services.notice_preference_set(user=request.user, mode=form.cleaned_data["mode"], by=request.user)
        flash.success(request, "Saved.")
        return redirect("messaging:inbox")
    status = 400 if request.method == "POST" else 200
    return render(request, "messaging/notice_preference.html", {"form": form}, status=status)
