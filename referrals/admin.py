"""Admin for referrers and referrals: non-confidential fields only.

Names, contact details, reasons, notes and letters of the people referred are encrypted and
deliberately absent: not in lists, not in search, not on the change page. Referrals change only
through triage (which records who and when), so their admin is read-only.
"""

from django.contrib import admin

from practice.admin_support import ReadOnlyAdmin
from referrals.models import Referral, Referrer


@admin.register(Referrer)
class ReferrerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "organisation", "speciality", "email", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "organisation", "email"]


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["reference", "referrer", "status", "urgency", "kind", "created_at"]
    list_filter = ["status", "urgency", "kind", "referrer__kind"]
    search_fields = ["reference", "referrer__name", "referrer__organisation", "referrer__email"]
    list_select_related = ["referrer"]
    fields = [
        "reference",
        "referrer",
        "kind",
        "status",
        "urgency",
        "preferred_contact",
        "preferred_therapist",
        "assigned_therapist",
        "client",
        "consent_attested_at",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields

    # Read-only: referrals arrive through the public form, and triage records who did what.
