"""The therapist's pages for consent documents (`documents:`)."""

from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("documents/", views.template_list, name="templates"),
    path("documents/<int:template_id>/", views.template_detail, name="template"),
    path("documents/<int:template_id>/publish/", views.version_publish, name="publish"),
    path("documents/clients/<int:client_id>/", views.client_documents, name="client"),
    path("documents/clients/<int:client_id>/request/", views.signature_request, name="request"),
    path("documents/clients/<int:client_id>/paper/", views.paper_consent, name="paper"),
    path("documents/signatures/<int:signature_id>/pdf/", views.signature_pdf, name="signature_pdf"),
    path("documents/signatures/<int:signature_id>/scan/", views.signature_scan, name="signature_scan"),
    path("documents/signatures/<int:signature_id>/withdraw/", views.signature_withdraw, name="signature_withdraw"),
    path("documents/clients/<int:client_id>/handouts/", views.handouts, name="handouts"),
    path("documents/handouts/<int:shared_id>/", views.handout_file, name="handout_file"),
    path("documents/handouts/<int:shared_id>/unshare/", views.handout_unshare, name="handout_unshare"),
]
