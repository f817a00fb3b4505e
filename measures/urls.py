from django.urls import path

from measures import views

app_name = "measures"

urlpatterns = [
    path("clients/<int:client_id>/measures/", views.client_measures, name="client"),
    path("clients/<int:client_id>/measures/assign/", views.assign, name="assign"),
    path("clients/<int:client_id>/members/<int:member_id>/measures/administer/", views.administer, name="administer"),
    path("measures/assignments/<int:assignment_id>/end/", views.assignment_end, name="assignment_end"),
    path("measures/responses/<int:response_id>/", views.response_detail, name="response"),
]
