"""Templates are edited here; a version is added here (published through the service) and never
changed; signatures and shared files are listed read-only (no encrypted field, no file)."""

from django.contrib import admin

from documents import services
from documents.models import DocumentTemplate, DocumentVersion, SharedFile, Signature
from practice.admin_support import ReadOnlyAdmin


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "signers", "required_before", "active", "order"]
    list_filter = ["kind", "active", "required_before"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(DocumentVersion)
class DocumentVersionAdmin(admin.ModelAdmin):
    list_display = ["template", "number", "effective_date", "published_at", "body_sha256"]
    list_filter = ["template"]
    fields = ["template", "body", "effective_date"]
    readonly_fields = ["number", "body_sha256", "published_at", "published_by"]

    def has_change_permission(self, request, obj=None):
        return obj is None  # the add form only: a published version is never changed

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        version = services.version_publish(
            template=obj.template, body=obj.body, effective_date=obj.effective_date, by=request.user
        )
        obj.pk = version.pk
        obj._state.adding = False


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ["pk", "version", "client", "member", "method", "signed_at", "withdrawn_at"]
    list_filter = ["method"]
    fields = ["version", "client", "member", "method", "signed_at", "recorded_by", "withdrawn_at", "withdrawn_by"]


@admin.register(SharedFile)
class SharedFileAdmin(ReadOnlyAdmin):
    list_display = ["pk", "client", "member", "shared_by", "shared_at", "withdrawn_at"]
    list_select_related = ["client", "member", "shared_by"]  # optional keys: Django's automatic join skips them
    fields = ["client", "member", "title", "shared_by", "shared_at", "withdrawn_at", "withdrawn_by"]
