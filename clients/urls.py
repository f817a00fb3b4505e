from django.urls import path

from clients.views import alerts, export, note_templates, records

app_name = "clients"

urlpatterns = [
    path("", records.client_list, name="list"),
    path("new/", records.client_create, name="create"),
    path("<int:client_id>/", records.client_detail, name="detail"),
    path("<int:client_id>/edit/", records.client_edit, name="edit"),
    path("<int:client_id>/contact/", records.client_contact, name="contact"),
    path("<int:client_id>/export/", export.client_export, name="export"),
    path("<int:client_id>/members/<int:member_id>/edit/", records.member_edit, name="member_edit"),
    path("<int:client_id>/members/<int:member_id>/invite/", records.member_invite, name="member_invite"),
    path("<int:client_id>/members/<int:member_id>/intake/", records.intake_detail, name="intake"),
    path("<int:client_id>/members/<int:member_id>/intake/reviewed/", records.intake_reviewed, name="intake_reviewed"),
    path("<int:client_id>/goals/new/", records.goal_create, name="goal_create"),
    path("goals/<int:goal_id>/edit/", records.goal_edit, name="goal_edit"),
    path("<int:client_id>/notes/new/", records.note_create, name="note_create"),
    path("notes/<int:note_id>/", records.note_detail, name="note"),
    path("notes/<int:note_id>/edit/", records.note_edit, name="note_edit"),
    path("notes/<int:note_id>/sign/", records.note_sign, name="note_sign"),
    path("notes/<int:note_id>/addenda/", records.addendum_add, name="addendum_add"),
    path("<int:client_id>/alerts/<int:alert_id>/", alerts.alert_detail, name="alert_detail"),
    path("note-templates/", note_templates.note_template_list, name="note_templates"),
    path("note-templates/new/", note_templates.note_template_create, name="note_template_create"),
    path("note-templates/<int:template_id>/edit/", note_templates.note_template_edit, name="note_template_edit"),
    path("<int:client_id>/consents/new/", records.consent_create, name="consent_create"),
    path("consents/<int:consent_id>/revoke/", records.consent_revoke, name="consent_revoke"),
]
