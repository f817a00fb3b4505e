"""The floors every case is compared with: the cheapest a view of each kind can be here."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clients.models import Client


def plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def one_query(request: HttpRequest) -> HttpResponse:
    """One query on a unique index (a client's reference)."""
    found = Client.objects.filter(reference=request.GET.get("ref", "")).values_list("pk", flat=True).first()
    return HttpResponse("ok" if found else "none")


@login_required
def signed_in(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


@login_required
def signed_in_page(request: HttpRequest) -> HttpResponse:
    """The layout every signed-in page shares (base.html: navigation, messages), with nothing in it."""
    return render(request, "bench/signed_in_page.html")
