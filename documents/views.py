"""Consent documents: the therapist's pages (`documents:`) and the client's (`portal:`).

Every object comes through `documents.access` (404 for every refusal). In the portal the member is
always the signed-in user's own, so one partner can never sign, withdraw or download for the other.
"""

import mimetypes
import os

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.access import get_client_for_user, get_portal_member
from documents import access, selectors, services
from documents.forms import HandoutForm, PaperConsentForm, PublishForm, RequestForm, SignForm
from documents.pdf import signed_copy_pdf
from documents.releases import referrers_for
from documents.rendering import render_markdown
from practice.access import role_required
from practice.audit import audit_record
from practice.downloads import as_attachment
from practice.forms_support import apply_errors, invalid, refuse
from practice.models import AuditAction, User
from practice.net import client_ip

THERAPIST, CLIENT = User.Role.THERAPIST, User.Role.CLIENT


def _pdf_response(request: HttpRequest, signature) -> HttpResponse:
    audit_record(actor=request.user, action=AuditAction.EXPORT, target=signature)
    response = HttpResponse(signed_copy_pdf(signature), content_type="application/pdf")
    return as_attachment(response, f"signed-{signature.version.template.slug}-v{signature.version.number}.pdf")


# --- The portal -----------------------------------------------------------------------------------


@require_GET
@role_required(CLIENT)
def portal_documents(request: HttpRequest) -> HttpResponse:
    member = get_portal_member(request.user)
    context = {"member": member, "zone": member.zone, **selectors.portal_documents(member=member)}
    return render(request, "documents/portal/documents.html", context)


@require_http_methods(["GET", "POST"])
@role_required(CLIENT)
def portal_sign(request: HttpRequest, version_id: int) -> HttpResponse:
    member, version = access.get_portal_version_to_sign(request.user, version_id)
    referrer = _referrer_choice(request, member, version)
    form = SignForm(request.POST or None)
    context = {"version": version, "body": render_markdown(version.body), "form": form, "referrer": referrer}
    if request.method == "GET":
        return render(request, "documents/portal/sign.html", context)
    if not form.is_valid():
        return invalid(request, "documents/portal/sign.html", context)
    try:
        services.document_sign(
            version=version,
            member=member,
            by=request.user,
            **form.cleaned_data,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            referrer_id=referrer[0] if referrer else None,
            referrer_name=referrer[1] if referrer else "",
        )
    except ValidationError as error:
        apply_errors(form, error)
        return invalid(request, "documents/portal/sign.html", context)
    messages.success(request, _("Thank you: you signed the %(document)s.") % {"document": version.label})
    return redirect("portal:documents")


def _referrer_choice(request: HttpRequest, member, version) -> tuple[int, str] | None:
    """For a release: the referrer named in ?referrer=, which must be one of the unit's (else 404)."""
    if version.template.kind != version.template.Kind.RELEASE:
        return None
    raw = request.GET.get("referrer", "")
    named = dict(referrers_for(member.client))
    if not raw.isdigit() or int(raw) not in named:
        raise Http404
    return int(raw), named[int(raw)]


@require_http_methods(["GET", "POST"])
@role_required(CLIENT)
def portal_withdraw(request: HttpRequest, signature_id: int) -> HttpResponse:
    signature = access.get_portal_signature(request.user, signature_id)
    if not signature.version.template.may_withdraw or not signature.is_live:
        raise Http404
    if request.method == "GET":
        return render(request, "documents/portal/withdraw.html", {"signature": signature})
    try:
        services.signature_withdraw(signature=signature, by=request.user)
    except ValidationError as error:
        refuse(request, error)
    else:
        messages.success(
            request,
            _("Withdrawn: %(document)s. This took effect straight away.") % {"document": signature.version.label},
        )
    return redirect("portal:documents")


@require_GET
@role_required(CLIENT)
def portal_handout(request: HttpRequest, shared_id: int) -> HttpResponse:
    return _handout_response(request, access.get_portal_shared_file(request.user, shared_id))


def _handout_response(request: HttpRequest, shared) -> HttpResponse:
    return _file_download(request, shared.file, target=shared, filename=f"handout-{shared.pk}{shared.extension}")


def _file_download(request: HttpRequest, stored, *, target, filename: str) -> HttpResponse:
    """A stored file (a scan, a handout) as a download, never shown as a page; each download audited."""
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise Http404 from exc
    audit_record(actor=request.user, action=AuditAction.EXPORT, target=target)
    content_type = mimetypes.guess_type(stored.name)[0] or "application/octet-stream"
    return as_attachment(FileResponse(handle, content_type=content_type), filename)


@require_GET
@role_required(CLIENT)
def portal_signature_pdf(request: HttpRequest, signature_id: int) -> HttpResponse:
    return _pdf_response(request, access.get_portal_signature(request.user, signature_id))


# --- The therapist's pages ------------------------------------------------------------------------


@require_GET
@role_required(THERAPIST)
def template_list(request: HttpRequest) -> HttpResponse:
    return render(request, "documents/template_list.html", {"templates": selectors.template_list()})


@require_GET
@role_required(THERAPIST)
def template_detail(request: HttpRequest, template_id: int) -> HttpResponse:
    template = access.get_template_for_user(request.user, template_id)
    versions = [(v, render_markdown(v.body)) for v in template.versions.order_by("-number")]
    return render(request, "documents/template_detail.html", {"template": template, "versions": versions})


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def version_publish(request: HttpRequest, template_id: int) -> HttpResponse:
    template = access.get_template_for_user(request.user, template_id)
    newest = template.versions.order_by("-number").first()
    form = PublishForm(request.POST or None, initial={"body": newest.body if newest else ""})
    context = {"template": template, "form": form, "newest": newest}
    if request.method == "GET":
        return render(request, "documents/version_publish.html", context)
    if not form.is_valid():
        return invalid(request, "documents/version_publish.html", context)
    try:
        version = services.version_publish(template=template, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        apply_errors(form, error)
        return invalid(request, "documents/version_publish.html", context)
    messages.success(
        request,
        _("Published %(document)s. Everyone it concerns is asked to sign it again.") % {"document": version.label},
    )
    return redirect("documents:template", template_id=template.pk)


@require_GET
@role_required(THERAPIST)
def client_documents(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_client_for_user(request.user, client_id)
    audit_record(actor=request.user, action=AuditAction.VIEW, target=client)
    context = {"client": client, "document_status": selectors.signature_status(client)}
    return render(request, "documents/client_documents.html", context)


@require_POST
@role_required(THERAPIST)
def signature_request(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_client_for_user(request.user, client_id)
    form = RequestForm(request.POST, client=client)
    if not form.is_valid():
        messages.error(request, _("Choose who should sign and which document."))
        return render(request, "documents/client_documents.html", _client_context(client), status=400)
    try:
        services.signature_request(by=request.user, **form.cleaned_data)
    except ValidationError as error:
        refuse(request, error)
    else:
        messages.success(request, _("Request sent: they will find the document in their portal."))
    return redirect("documents:client", client_id=client.pk)


def _client_context(client) -> dict:
    return {"client": client, "document_status": selectors.signature_status(client)}


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def paper_consent(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_client_for_user(request.user, client_id)
    form = PaperConsentForm(request.POST or None, request.FILES or None, client=client, initial=request.GET.dict())
    context = {"client": client, "form": form}
    if request.method == "GET":
        return render(request, "documents/paper_consent.html", context)
    if not form.is_valid():
        return invalid(request, "documents/paper_consent.html", context)
    data = form.cleaned_data
    try:
        services.paper_consent_record(
            version=data["version"],
            member=data["member"],
            by=request.user,
            signed_on=data["signed_on"],
            scan=data["scan"],
            referrer_id=data["referrer"],
            referrer_name=form.referrer_name(),
        )
    except ValidationError as error:
        apply_errors(form, error)
        return invalid(request, "documents/paper_consent.html", context)
    messages.success(request, _("Paper copy recorded."))
    return redirect("documents:client", client_id=client.pk)


@require_GET
@role_required(THERAPIST)
def signature_pdf(request: HttpRequest, signature_id: int) -> HttpResponse:
    return _pdf_response(request, access.get_signature_for_user(request.user, signature_id))


@require_GET
@role_required(THERAPIST)
def signature_scan(request: HttpRequest, signature_id: int) -> HttpResponse:
    signature = access.get_signature_for_user(request.user, signature_id)
    if not signature.scan:
        raise Http404
    extension = os.path.splitext(signature.scan.name)[1]
    return _file_download(request, signature.scan, target=signature, filename=f"scan-{signature.pk}{extension}")


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def signature_withdraw(request: HttpRequest, signature_id: int) -> HttpResponse:
    """The therapist withdraws a signature (the person told them so): a confirmation page, then POST."""
    signature = access.get_signature_for_user(request.user, signature_id)
    if not signature.is_live:
        raise Http404
    if request.method == "GET":
        return render(
            request, "documents/signature_withdraw.html", {"signature": signature, "client": signature.client}
        )
    try:
        services.signature_withdraw(signature=signature, by=request.user)
    except ValidationError as error:
        refuse(request, error)
    else:
        messages.success(
            request,
            _("Withdrawn: %(document)s for %(name)s. This took effect straight away.")
            % {"document": signature.version.label, "name": signature.member.display_name},
        )
    return redirect("documents:client", client_id=signature.client_id)


# --- Shared handouts, the therapist's side --------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(THERAPIST)
def handouts(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_client_for_user(request.user, client_id)
    form = HandoutForm(request.POST or None, request.FILES or None, client=client)
    context = {"client": client, "form": form, "handouts": selectors.client_handouts(client)}
    if request.method == "GET":
        return render(request, "documents/handouts.html", context)
    if not form.is_valid():
        return invalid(request, "documents/handouts.html", context)
    try:
        shared = services.handout_share(client=client, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        apply_errors(form, error)
        return invalid(request, "documents/handouts.html", context)
    messages.success(request, _("Shared: %(title)s. It is in their portal now.") % {"title": shared.title})
    return redirect("documents:handouts", client_id=client.pk)


@require_GET
@role_required(THERAPIST)
def handout_file(request: HttpRequest, shared_id: int) -> HttpResponse:
    return _handout_response(request, access.get_shared_file_for_user(request.user, shared_id))


@require_POST
@role_required(THERAPIST)
def handout_unshare(request: HttpRequest, shared_id: int) -> HttpResponse:
    shared = access.get_shared_file_for_user(request.user, shared_id)
    try:
        services.handout_unshare(shared=shared, by=request.user)
    except ValidationError as error:
        refuse(request, error)
    else:
        messages.success(request, _("No longer shared: %(title)s.") % {"title": shared.title})
    return redirect("documents:handouts", client_id=shared.client_id)
