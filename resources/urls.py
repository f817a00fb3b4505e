"""URLs of the resources app. (Being written.)"""

from django.http import Http404
from django.urls import path

app_name = "resources"


def _todo(request, *args, **kwargs):
    raise Http404


urlpatterns = [
    path("resources/", _todo, name="library"),
    path("portal/assignments/", _todo, name="portal_assignments"),
    path("portal/workshops/", _todo, name="portal_workshops"),
]
