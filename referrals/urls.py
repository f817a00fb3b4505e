"""URLs of the referrals app. (Being written.)"""

from django.http import Http404
from django.urls import path

app_name = "referrals"


def _todo(request, *args, **kwargs):
    raise Http404


urlpatterns = [
    path("refer/", _todo, name="refer"),
    path("referrals/", _todo, name="triage"),
]
