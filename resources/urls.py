"""URLs of the resources app: the library and workshops for therapists, assignments on a client.
The client's own assignments and workshops are in `portal_urls.py`."""

from django.urls import path

from resources.views import assignments, library, workshops

app_name = "resources"

urlpatterns = [
    # Library (therapists and admins)
    path("resources/", library.library, name="library"),
    path("resources/new/", library.resource_create, name="resource_create"),
    path("resources/<int:resource_id>/", library.resource_detail, name="resource"),
    path("resources/<int:resource_id>/edit/", library.resource_edit, name="resource_edit"),
    path("resources/<int:resource_id>/file/", library.resource_file, name="resource_file"),
    # Workshops (therapists)
    path("resources/workshops/", workshops.workshop_list, name="workshops"),
    path("resources/workshops/new/", workshops.workshop_create, name="workshop_create"),
    path("resources/workshops/<int:workshop_id>/", workshops.workshop_detail, name="workshop"),
    path("resources/workshops/<int:workshop_id>/edit/", workshops.workshop_edit, name="workshop_edit"),
    path("resources/workshops/<int:workshop_id>/register/", workshops.workshop_register, name="workshop_register"),
    path(
        "resources/registrations/<int:registration_id>/cancel/",
        workshops.registration_cancel,
        name="registration_cancel",
    ),
    # Assignments on a client (treating therapists)
    path("clients/<int:client_id>/assignments/", assignments.client_assignments, name="client_assignments"),
    path("clients/<int:client_id>/assignments/new/", assignments.assignment_create, name="assignment_create"),
    path("resources/assignments/<int:assignment_id>/", assignments.assignment_detail, name="assignment"),
    path("resources/assignments/<int:assignment_id>/edit/", assignments.assignment_edit, name="assignment_edit"),
    path(
        "resources/assignments/<int:assignment_id>/release/", assignments.assignment_release, name="assignment_release"
    ),
    path(
        "resources/assignments/<int:assignment_id>/feedback/",
        assignments.assignment_feedback,
        name="assignment_feedback",
    ),
    path(
        "resources/assignments/<int:assignment_id>/members/<int:member_id>/log/",
        assignments.member_log,
        name="member_log",
    ),
]
