"""The billing party's ledger in the portal (`portal:` namespace, frontdesk/portal_urls.py)."""

from django.urls import path

from billing import views

urlpatterns = [
    path("portal/billing/", views.portal_ledger, name="billing"),
]
