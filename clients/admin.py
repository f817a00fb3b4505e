"""Admin for the client record: non-confidential fields only.

Names, notes, intake answers and goals are encrypted and deliberately absent here: admins manage
the practice, not the clinical record. The concern taxonomy is editable.
"""

from django.contrib import admin

from clients.models import Client, Concern


@admin.register(Concern)
class ConcernAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "group", "intensive", "order"]
    list_filter = ["group", "intensive"]
    list_editable = ["order"]
    search_fields = ["name", "slug"]


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["reference", "kind", "status", "primary_therapist", "created_at"]
    list_filter = ["kind", "status", "primary_therapist"]
    search_fields = ["reference"]
    fields = ["reference", "kind", "status", "primary_therapist", "co_therapists", "created_at", "updated_at"]
    readonly_fields = ["reference", "kind", "created_at", "updated_at"]
    filter_horizontal = ["co_therapists"]

    def has_add_permission(self, request):
        return False  # units are created by therapists, with their members, in the app

    def has_delete_permission(self, request, obj=None):
        return False  # clinical records are retained, not deleted from the admin
