"""The client's side: my open questionnaires, and one to answer (drafts kept, scored on submit).

Every page starts from the signed-in member (`access.get_portal_request`): a member sees only their
own requests, never the partner's answers or scores. After a risky answer the page shows the
practice's crisis text.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from clients.access import get_portal_member
from measures import access, definitions, selectors, services
from measures.drafts import request_key
from measures.forms import AnswersForm
from measures.models import MeasureRequest
from practice import drafts
from practice.access import role_required
from practice.audit import audit_record
from practice.models import AuditAction, User

CLIENT = User.Role.CLIENT


@require_GET
@role_required(CLIENT)
def measures(request: HttpRequest) -> HttpResponse:
    member = get_portal_member(request.user)
    return render(request, "measures/portal/list.html", {"rows": selectors.portal_requests(member=member)})


@require_http_methods(["GET", "POST"])
@role_required(CLIENT)
def measure(request: HttpRequest, request_id: int) -> HttpResponse:
    asked = access.get_portal_request(request.user, request_id)
    definition = definitions.get_definition(asked.assignment.instrument)
    key = request_key(asked.pk)
    if asked.status == MeasureRequest.Status.COMPLETED:
        response = asked.response
        audit_record(actor=request.user, action=AuditAction.VIEW, target=response)
        show_crisis = bool(response.score_values.get("risk_items"))
        return render(request, "measures/portal/done.html", {"definition": definition, "show_crisis_text": show_crisis})
    if asked.status != MeasureRequest.Status.OPEN:
        messages.info(request, _("This questionnaire is no longer needed."))
        return redirect("portal:measures")
    if request.method == "POST":
        form = AnswersForm(request.POST, definition=definition)
        if form.is_valid():
            try:
                answers = services.clean_answers(definition, form.answers())
                services.response_submit(request=asked, by=request.user, answers=answers)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                drafts.draft_discard(user=request.user, key=key)
                return redirect("portal:measure", request_id=asked.pk)
        messages.error(request, _("Please look at the answers below. Nothing you chose has been lost."))
        status = 400
    else:
        draft, kept = drafts.draft_page(user=request.user, key=key)
        form = AnswersForm(initial=kept, definition=definition)
        status = 200
    context = {"asked": asked, "definition": definition, "form": form, "draft_key": key}
    context["draft"] = None if request.method == "POST" else draft
    return render(request, "measures/portal/answer.html", context, status=status)
