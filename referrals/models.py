"""Referrers and referrals. The referral form and triage arrive with the referrals issue; the
`Referrer` is here already because a client's release-of-information consent names one."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from practice.models import TimeStampedModel


class Referrer(TimeStampedModel):
    """A professional who refers clients. Professional contact details, not client data."""

    class Kind(models.TextChoices):
        PSYCHIATRIST = "psychiatrist", _("Psychiatrist")
        PHYSICIAN = "physician", _("Physician")
        CLERGY = "clergy", _("Clergy")
        PSYCHOTHERAPIST = "psychotherapist", _("Psychotherapist or counsellor")
        OTHER = "other", _("Other")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=150)
    organisation = models.CharField(max_length=150, blank=True)
    speciality = models.CharField(max_length=100, blank=True)
    email = models.EmailField(unique=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        org = f", {self.organisation}" if self.organisation else ""
        return f"{self.name}{org}"
