"""Admin for scheduling: rooms and therapists' rules are managed here; sessions are only looked at.

Appointments and series are read-only in the admin: booking, moving and cancelling go through the
calendar's services, which check clashes (therapist, room, member), keep the attendance rows in step
and audit every change. No member names appear anywhere here: sessions are listed by the client's
reference code, and the attendance inline is deliberately absent.
"""

from django.contrib import admin

from practice.admin_support import ReadOnlyAdmin
from sessions_app.models import Appointment, BookingRules, CalendarFeed, Room, Series, TimeOff, WorkingHours


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "location", "active"]
    list_filter = ["active"]
    search_fields = ["name"]


@admin.register(BookingRules)
class BookingRulesAdmin(admin.ModelAdmin):
    list_display = ["therapist", "session_minutes", "min_notice_hours", "max_days_ahead", "late_cancel_hours"]
    list_select_related = ["therapist"]
    raw_id_fields = ["therapist"]


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = ["therapist", "weekday", "start", "end"]
    list_filter = ["therapist", "weekday"]
    list_select_related = ["therapist"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["therapist", "start", "end", "label"]
    list_filter = ["therapist"]
    list_select_related = ["therapist"]
    date_hierarchy = "start"


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = ["start", "therapist", "client_reference", "status", "modality", "room"]
    list_filter = ["status", "modality", "therapist"]
    list_select_related = ["therapist", "client", "room"]
    search_fields = ["client__reference"]
    date_hierarchy = "start"
    fields = [
        "client_reference",
        "therapist",
        "start",
        "end",
        "status",
        "modality",
        "room",
        "series",
        "booked_via",
        "created_at",
        "updated_at",
        "cancelled_at",
    ]
    readonly_fields = fields

    @admin.display(description="Client", ordering="client__reference")
    def client_reference(self, obj: Appointment) -> str:
        return obj.client.reference


@admin.register(Series)
class SeriesAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "therapist", "client_reference", "frequency", "local_time", "time_zone", "created_at"]
    list_filter = ["frequency", "therapist"]
    list_select_related = ["therapist", "client"]
    search_fields = ["client__reference"]
    fields = ["client_reference", "therapist", "frequency", "local_time", "time_zone", "created_at"]
    readonly_fields = fields

    @admin.display(description="Client", ordering="client__reference")
    def client_reference(self, obj: Series) -> str:
        return obj.client.reference


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """The token is the feed's only credential: shown, never edited or searchable. Therapists
    reset it from their schedule page; deleting the row here revokes the feed."""

    list_display = ["therapist", "created_at", "updated_at"]
    list_select_related = ["therapist"]
    fields = ["therapist", "token", "created_at", "updated_at"]
    readonly_fields = ["therapist", "token", "created_at", "updated_at"]

    def has_add_permission(self, request):
        return False
