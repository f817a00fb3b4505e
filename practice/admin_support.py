"""Admin building blocks shared by every app."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Listed and opened, never added, changed or deleted from the admin: records that the product
    writes through its audited services (clinical records, sessions, referrals, the outbox, the trail)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedActionsMixin:
    """Every admin action leaves an `admin_action` audit row per object it was run on (ids only).

    Saves and deletions are audited from Django's own admin log (`practice.signals`); the bulk
    delete action is one of those, so it is not wrapped again here.
    """

    def get_actions(self, request):
        actions = super().get_actions(request)
        return {
            name: (func if name == "delete_selected" else _audited(func, name), name, description)
            for name, (func, name, description) in actions.items()
        }


def _audited(func, name: str):
    def run(modeladmin, request, queryset):
        from practice.audit import audit_record_ids
        from practice.models import AuditAction

        ids = list(queryset.values_list("pk", flat=True))
        response = func(modeladmin, request, queryset)
        label = modeladmin.model._meta.label_lower
        for pk in ids:
            audit_record_ids(actor=request.user, action=AuditAction.ADMIN_ACTION, target_type=label, target_id=pk)
        return response

    run.__name__ = name
    return run


class PracticeAdminSite(admin.AdminSite):
    """The admin, with every registered ModelAdmin's actions audited (ours and third parties')."""

    site_header = site_title = "Practice administration"

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedActionsMixin):
            admin_class = type(
                admin_class.__name__, (AuditedActionsMixin, admin_class), {"__module__": admin_class.__module__}
            )
        super().register(model_or_iterable, admin_class, **options)
