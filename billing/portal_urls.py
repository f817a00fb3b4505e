"""The billing party's ledger in the portal (`portal:` namespace, frontdesk/portal_urls.py)."""

from django.urls import path

from billing import views

urlpatterns = [
    path("portal/billing/", views.portal_ledger, name="billing"),
    path("portal/billing/statement.pdf", views.portal_statement_download, name="billing_statement"),
    path("portal/billing/invoices/<int:invoice_id>.pdf", views.portal_invoice_download, name="billing_invoice"),
]
