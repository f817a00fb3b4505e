"""The one way to write to the audit trail.

`audit_record` takes ids from the objects it is given and never their text. The request id and the
client's IP come from the request being served (see `practice.middleware`), so services can record
without being handed the request.
"""

from django.db import models

from practice.middleware import current_request_context
from practice.models import AuditAction, AuditEvent, User


def audit_record(
    *,
    actor: User | None,
    action: AuditAction | str,
    target: models.Model | None = None,
    client_id: int | None = None,
    amount=None,
) -> AuditEvent:
    """Append one audit row. `client_id` defaults to the target's own client, where it has one;
    `amount` is a money event's amount (billing), never anything else."""
    context = current_request_context()
    if client_id is None and target is not None:
        client_id = _client_id_of(target)
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None

    return AuditEvent.objects.create(
        actor_id=actor_id,
        action=AuditAction(action),
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        client_id=client_id,
        request_id=context.request_id,
        ip=context.ip,
        amount=amount,
    )


def audit_record_ids(
    *, actor: User | None, action: AuditAction | str, target_type: str, target_id, client_id: int | None = None
) -> AuditEvent:
    """Append one audit row for a target known only by its label and id (e.g. from the admin's log,
    after a deletion)."""
    context = current_request_context()
    if client_id is None and target_type == "clients.client" and str(target_id).isdigit():
        client_id = int(target_id)
    return AuditEvent.objects.create(
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
        action=AuditAction(action),
        target_type=target_type,
        target_id=str(target_id),
        client_id=client_id,
        request_id=context.request_id,
        ip=context.ip,
    )


def _client_id_of(target: models.Model) -> int | None:
    if target._meta.label_lower == "clients.client":
        return target.pk
    return getattr(target, "client_id", None)
