"""A month and more of money for the demo clients: a charge for each attended session, card
payments from the couple (Jordan, the demo client, pays, so the portal shows the account) and bank
transfers from the individual, with the latest sessions still unpaid. Idempotent."""

import importlib
from datetime import timedelta

from django.apps import apps
from django.utils import timezone

from billing import selectors, services
from billing.models import BillingParty, Charge, Payment
from clients.models import Client
from practice.models import Therapist, User
from sessions_app.models import Appointment


def seed_billing() -> None:
    # The starter services come with migration 0002; a database emptied since (a flush) gets them back.
    importlib.import_module("billing.migrations.0002_starter_services").load(apps, None)
    therapist = Therapist.objects.get(user__email="therapist@demo.practice")
    couple = Client.objects.get(reference="C-DEMCPL")
    individual = Client.objects.get(reference="C-DEMIND")
    if not BillingParty.objects.filter(client=couple).exists():
        jordan = User.objects.by_address("client@demo.practice").get().member
        services.billing_party_set(client=couple, kind=BillingParty.Kind.MEMBER, member=jordan, by=therapist.user)
    if Charge.objects.filter(client__in=[couple, individual]).exists():
        return
    attended = Appointment.objects.filter(
        client__in=[couple, individual], status=Appointment.Status.ATTENDED, start__lt=timezone.now()
    ).order_by("start")
    for appointment in attended:
        services.charge_sync(appointment=appointment, by=therapist.user, reason="Demo data")
    today = selectors.today()
    for unit, method in ((couple, Payment.Method.CARD), (individual, Payment.Method.BANK_TRANSFER)):
        charges = list(Charge.objects.filter(client=unit, status=Charge.Status.OPEN).order_by("charged_on"))
        for charge in charges[:-2]:  # the last two sessions are still to pay
            paid_on = min(charge.charged_on + timedelta(days=2), today)
            payer = charge.member if unit == couple else unit.members.first()
            services.payment_record(
                client=unit, amount=charge.amount, method=method, received_on=paid_on, payer=payer, by=therapist.user
            )
