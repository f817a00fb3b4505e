from django.contrib import admin

from outbox.models import Notification
from practice.admin_support import ReadOnlyAdmin


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """The outbox, by reference: no addresses, no message text (it is never stored)."""

    list_display = ["send_at", "kind", "channel", "reference", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["reference", "key"]
    date_hierarchy = "send_at"
    fields = [
        "kind",
        "channel",
        "reference",
        "status",
        "send_at",
        "attempts",
        "queued_at",
        "sent_at",
        "last_error",
        "target_type",
        "target_id",
    ]

    def has_delete_permission(self, request, obj=None):
        # The one write the admin keeps here: clearing old rows (nothing else refers to them).
        return admin.ModelAdmin.has_delete_permission(self, request, obj)
