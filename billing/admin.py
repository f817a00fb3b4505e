from django.contrib import admin

from billing.models import (
    Allocation,
    BillingParty,
    Charge,
    Fee,
    GoodFaithEstimate,
    Payment,
    Refund,
    Service,
    Superbill,
    TherapistBillingProfile,
    WriteOff,
)
from practice.admin_support import ReadOnlyAdmin


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "default_fee", "minutes", "active"]
    list_filter = ["kind", "active"]

    def has_delete_permission(self, request, obj=None):
        # A service is switched off (active), never deleted: charges and the default rules name it.
        return False


@admin.register(Fee)
class FeeAdmin(admin.ModelAdmin):
    """Fees are added, never edited: a new fee with a later `effective_from` leaves the past alone."""

    list_display = ["service", "therapist", "client", "amount", "effective_from"]
    list_select_related = ["service", "therapist", "client"]  # optional keys: Django's automatic join skips them
    list_filter = ["service"]
    raw_id_fields = ["therapist", "client"]

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# The ledger is written by the services only (audited); the admin may look, never change.
for model in (Charge, Payment, Allocation, Refund, WriteOff, BillingParty):
    admin.site.register(model, ReadOnlyAdmin)


@admin.register(TherapistBillingProfile)
class TherapistBillingProfileAdmin(admin.ModelAdmin):
    """A therapist's NPI, tax id and address for superbills and estimates."""

    list_display = ["therapist", "npi"]
    fields = ["therapist", "npi", "tax_id", "address"]


# Issued documents are written by the services (audited). Diagnoses are not in the admin: clinical.
for model in (Superbill, GoodFaithEstimate):
    admin.site.register(model, ReadOnlyAdmin)
