from django.urls import path

from billing import superbill_views, views

app_name = "billing"

urlpatterns = [
    path("billing/", views.overview, name="overview"),
    path("billing/ageing.csv", views.ageing_export, name="ageing_export"),
    path("billing/clients/<int:client_id>/", views.ledger, name="ledger"),
    path("billing/clients/<int:client_id>/payments/", views.payment_record, name="payment_record"),
    path("billing/clients/<int:client_id>/refunds/", views.refund_record, name="refund_record"),
    path("billing/clients/<int:client_id>/party/", views.party_set, name="party_set"),
    path("billing/clients/<int:client_id>/invoices/", views.invoice_issue, name="invoice_issue"),
    path("billing/clients/<int:client_id>/statement.pdf", views.statement_download, name="statement_download"),
    path("billing/invoices/<int:invoice_id>.pdf", views.invoice_download, name="invoice_download"),
    path("billing/invoices/<int:invoice_id>/void/", views.invoice_void, name="invoice_void"),
    path("billing/charges/<int:charge_id>/void/", views.charge_void, name="charge_void"),
    path("billing/charges/<int:charge_id>/write-off/", views.write_off_record, name="write_off_record"),
    path("billing/appointments/<int:appointment_id>/service/", views.appointment_service, name="appointment_service"),
    path("billing/clients/<int:client_id>/diagnoses/", superbill_views.diagnoses, name="diagnoses"),
    path("billing/diagnoses/<int:diagnosis_id>/remove/", superbill_views.diagnosis_remove, name="diagnosis_remove"),
    path("billing/clients/<int:client_id>/superbills/", superbill_views.superbills, name="superbills"),
    path("billing/superbills/<int:superbill_id>/pdf/", superbill_views.superbill_pdf, name="superbill_pdf"),
    path("billing/clients/<int:client_id>/estimates/", superbill_views.estimates, name="estimates"),
    path("billing/estimates/<int:estimate_id>/pdf/", superbill_views.estimate_pdf, name="estimate_pdf"),
]
