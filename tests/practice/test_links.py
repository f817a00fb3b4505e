"""practice/links.py: a URL reversed once and filled in per row is the URL `reverse` gives."""

import pytest
from django.urls import reverse, set_script_prefix

from practice.links import link_maker


@pytest.mark.parametrize("name", ["sessions_app:appointment", "clients:note", "clients:detail"])
@pytest.mark.parametrize("pk", [1, 42, 2_147_483_646, 9_000_000_001])
def test_each_link_is_the_reversed_url(name, pk):
    assert link_maker(name)(pk) == reverse(name, args=[pk])


def test_the_script_prefix_of_the_request_is_kept():
    set_script_prefix("/practice/")
    try:
        assert link_maker("clients:note")(7) == reverse("clients:note", args=[7])
        assert link_maker("clients:note")(7).startswith("/practice/")
    finally:
        set_script_prefix("/")


def test_only_an_integer_id_is_filled_in():
    link = link_maker("clients:note")
    with pytest.raises(ValueError):
        link("7/../../admin")
