"""The time-zone choice: the practice's zone and common zones first, each zone once, grouped by region."""

import zoneinfo

from django.test import override_settings
from django.urls import reverse

from practice.timezones import COMMON, time_zone_choices, zone_label


def flat(choices):
    return [value for _group, options in choices for value, _label in options]


def test_the_practice_zone_then_common_zones_come_first():
    with override_settings(TIME_ZONE="Europe/Lisbon"):
        choices = time_zone_choices()
    assert choices[0][1] == [("Europe/Lisbon", "Lisbon (Europe)")]
    assert [v for v, _l in choices[1][1]] == COMMON
    assert [group for group, _o in choices[2:]][:3] == ["Africa", "America", "Antarctica"]


def test_each_zone_appears_once_and_every_real_zone_is_there():
    values = flat(time_zone_choices())
    assert len(values) == len(set(values))
    wanted = {z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))}
    assert wanted <= set(values) and "UTC" in values


def test_a_stored_legacy_zone_stays_selectable():
    assert "Etc/GMT+5" not in flat(time_zone_choices())
    assert "Etc/GMT+5" in flat(time_zone_choices("Etc/GMT+5"))
    assert "Not/AZone" not in flat(time_zone_choices("Not/AZone"))


def test_labels_read_as_places():
    assert zone_label("America/New_York") == "New York (America)"
    assert zone_label("America/Argentina/Buenos_Aires") == "Argentina / Buenos Aires (America)"
    assert zone_label("UTC") == "UTC"


def test_the_new_client_form_uses_grouped_zones_with_the_practice_zone_chosen(client, alice):
    client.force_login(alice.user)
    body = client.get(reverse("clients:create")).content.decode()
    assert body.count('<optgroup label="The practice&#x27;s zone">') == 2  # one per partner
    assert '<option value="Europe/London" selected>London (Europe)</option>' in body
    assert body.count("<option") < 2 * 700  # one option per zone, not duplicated per group


def test_a_bad_zone_is_refused_next_to_the_field(client, alice):
    client.force_login(alice.user)
    data = {
        "kind": "individual",
        "status": "active",
        "m1-first_name": "A",
        "m1-last_name": "B",
        "m1-time_zone": "Mars/Base",
    }
    r = client.post(reverse("clients:create"), data)
    assert r.status_code == 400 and "time_zone" in r.context["member_forms"][0].errors
