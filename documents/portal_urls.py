"""The client's documents pages, part of the portal (`portal:` namespace, frontdesk/portal_urls.py)."""

from django.urls import path

from documents import views

urlpatterns = [
    path("portal/documents/", views.portal_documents, name="documents"),
    path("portal/documents/<int:version_id>/sign/", views.portal_sign, name="document_sign"),
    path("portal/documents/signed/<int:signature_id>/withdraw/", views.portal_withdraw, name="signature_withdraw"),
    path("portal/documents/signed/<int:signature_id>/pdf/", views.portal_signature_pdf, name="signature_pdf"),
    path("portal/documents/shared/<int:shared_id>/", views.portal_handout, name="handout"),
]
