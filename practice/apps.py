from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice"

    def ready(self) -> None:
        from practice import (
            signals,  # noqa: F401  (connects the audit receivers)
            translation_memo,
        )
        from practice.key_rotation import register_reindex
        from practice.sign_in import sign_in_pseudonyms_rebuild

        register_reindex("the clients' sign-in pseudonyms", sign_in_pseudonyms_rebuild)

        from practice.archive import register_archive_source
        from practice.models import AuditEvent

        register_archive_source("audit", model=AuditEvent, date_field="at", guard="practice.archive_before")

        translation_memo.install()


class PracticeAdminConfig(admin_apps.AdminConfig):
    """Django's admin with our site (`practice.admin_support.PracticeAdminSite`): audited actions."""

    default = False  # named in INSTALLED_APPS; `practice` itself is PracticeConfig
    default_site = "practice.admin_support.PracticeAdminSite"
