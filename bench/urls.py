"""The practice's URLs, plus the bench floors when settings.BENCH_URLS is on (bench settings only)."""

from django.conf import settings
from django.urls import path

from frontdesk.urls import urlpatterns as practice_urlpatterns

from . import views

urlpatterns = list(practice_urlpatterns)
if getattr(settings, "BENCH_URLS", False):
    urlpatterns = [
        path("bench/plain/", views.plain, name="bench_plain"),
        path("bench/one-query/", views.one_query, name="bench_one_query"),
        path("bench/signed-in/", views.signed_in, name="bench_signed_in"),
        path("bench/signed-in-page/", views.signed_in_page, name="bench_signed_in_page"),
        *urlpatterns,
    ]
