"""Admin for the library and workshops; assignments listed without their confidential text.

The therapist's note, members' logs and feedback are encrypted and deliberately absent: admins
manage the practice, not the clinical record. Logs and feedback have no admin at all.
"""

from django.contrib import admin
from django.db.models import Count, Q

from practice.admin_support import ReadOnlyAdmin
from resources import services
from resources.models import Assignment, ExerciseStep, Registration, Resource, Workshop


class ExerciseStepInline(admin.StackedInline):
    model = ExerciseStep
    extra = 0
    fields = ["order", "title", "what_to_do", "not_yet", "suggested_days"]


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "suits", "nature", "active", "step_count"]
    list_filter = ["kind", "suits", "nature", "active", "concerns"]
    search_fields = ["title", "summary"]
    filter_horizontal = ["concerns"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    inlines = [ExerciseStepInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(step_total=Count("steps"))

    @admin.display(description="Stages", ordering="step_total")
    def step_count(self, obj) -> int:
        return obj.step_total

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class RegistrationInline(admin.TabularInline):
    """Who holds a place: member ids and status only (names are encrypted and not shown here)."""

    model = Registration
    extra = 0
    fields = ["member", "status", "created_at", "promoted_at", "cancelled_at"]
    readonly_fields = fields
    can_delete = False
    ordering = ["created_at", "pk"]

    def has_add_permission(self, request, obj=None):
        return False  # registrations go through the service, which enforces capacity


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ["title", "starts_at", "facilitator", "capacity", "registered", "waiting", "active"]
    list_filter = ["active", "concerns"]
    search_fields = ["title", "facilitator"]
    date_hierarchy = "starts_at"
    filter_horizontal = ["concerns"]
    inlines = [RegistrationInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                registered_total=Count("registrations", filter=Q(registrations__status=Registration.Status.REGISTERED)),
                waiting_total=Count("registrations", filter=Q(registrations__status=Registration.Status.WAITLISTED)),
            )
        )

    @admin.display(description="Registered", ordering="registered_total")
    def registered(self, obj) -> int:
        return obj.registered_total

    @admin.display(description="Waiting", ordering="waiting_total")
    def waiting(self, obj) -> int:
        return obj.waiting_total

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            # A larger capacity fills places from the waiting list; a new time re-times reminders.
            services.workshop_changed(workshop=obj, by=request.user)


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    """Read-only overview: reference, resource, status and dates. Never the note."""

    list_display = ["pk", "client_reference", "resource", "status", "due_on", "released_stage", "created_at"]
    list_filter = ["status", "resource__kind"]
    search_fields = ["client__reference", "resource__title"]
    list_select_related = ["client", "resource"]
    fields = [
        "client",
        "resource",
        "member",
        "status",
        "due_on",
        "released_stage",
        "completed_at",
        "created_by",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description="Client", ordering="client__reference")
    def client_reference(self, obj) -> str:
        return obj.client.reference

    def get_queryset(self, request):
        return super().get_queryset(request).defer("note")
