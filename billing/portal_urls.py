"""The billing party's ledger in the portal (`portal:` namespace, frontdesk/portal_urls.py)."""

from django.urls import path

from billing import superbill_views, views

urlpatterns = [
    path("portal/billing/", views.portal_ledger, name="billing"),
    path("portal/billing/statement.pdf", views.portal_statement_download, name="billing_statement"),
    path("portal/billing/invoices/<int:invoice_id>.pdf", views.portal_invoice_download, name="billing_invoice"),
    path("portal/billing/documents/", superbill_views.portal_documents, name="billing_documents"),
    path(
        "portal/billing/superbills/<int:superbill_id>/pdf/", superbill_views.portal_superbill_pdf, name="superbill_pdf"
    ),
    path("portal/billing/estimates/<int:estimate_id>/pdf/", superbill_views.portal_estimate_pdf, name="estimate_pdf"),
    path(
        "portal/billing/estimates/<int:estimate_id>/acknowledge/",
        superbill_views.portal_estimate_acknowledge,
        name="estimate_acknowledge",
    ),
]
