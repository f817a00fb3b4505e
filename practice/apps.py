from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice"

    def ready(self) -> None:
        from practice import signals  # noqa: F401  (connects the audit receivers)


class PracticeAdminConfig(admin_apps.AdminConfig):
    """Django's admin with our site (`practice.admin_support.PracticeAdminSite`): audited actions."""

    default = False  # named in INSTALLED_APPS; `practice` itself is PracticeConfig
    default_site = "practice.admin_support.PracticeAdminSite"
