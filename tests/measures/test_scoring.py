"""Each shipped instrument against its published scoring rules and worked examples, and the schema.

PHQ-9 (Kroenke et al. 2001): 9 items scored 0-3, total 0-27, bands at 5/10/15/20, item 9 a risk item.
GAD-7 (Spitzer et al. 2006): 7 items scored 0-3, total 0-21, bands at 5/10/15.
CSI-4 and CSI-16 (Funk & Rogge 2007): item 1 scored 0-6, every other item 0-5; totals 0-21 and 0-81;
below 13.5 and 51.5 respectively suggests notable relationship dissatisfaction. CSI-16 items 11, 13,
14 and 16 put the positive word first and are reverse-scored.
"""

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from measures import definitions
from measures.definitions import DefinitionError, score, validate_definition

# Pure functions: many examples are cheap. No example database written into the repository.
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
PHQ9, GAD7, CSI4, CSI16 = (definitions.shipped()[slug] for slug in ("phq9", "gad7", "csi4", "csi16"))


def values(definition, item):
    return [o["value"] for o in definitions.options_of(definition, item)]


def all_answers(definition, value):
    return {item["id"]: value for item in definition["items"]}


def test_the_four_free_instruments_are_shipped_with_citation_and_terms():
    assert set(definitions.shipped()) == {"phq9", "gad7", "csi4", "csi16"}
    for definition in definitions.shipped().values():
        assert "doi:" in definition["citation"]
        assert definition["licence"].strip()
    assert "Kroenke" in PHQ9["citation"] and "Spitzer" in GAD7["citation"]
    assert "Funk" in CSI4["citation"] and "Rogge" in CSI16["citation"]


def test_item_counts_and_option_values_are_the_published_ones():
    assert [values(PHQ9, i) for i in PHQ9["items"]] == [[0, 1, 2, 3]] * 9
    assert [values(GAD7, i) for i in GAD7["items"]] == [[0, 1, 2, 3]] * 7
    assert [values(CSI4, i) for i in CSI4["items"]] == [list(range(7))] + [list(range(6))] * 3
    assert [values(CSI16, i) for i in CSI16["items"]] == [list(range(7))] + [list(range(6))] * 15
    assert [i["id"] for i in CSI16["items"] if i.get("reverse")] == ["11", "13", "14", "16"]
    assert [(i["id"], i["risk_above"]) for i in PHQ9["items"] if "risk_above" in i] == [("9", 0)]


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "Minimal"), (4, "Minimal"), (5, "Mild"), (9, "Mild"), (10, "Moderate"), (14, "Moderate"),
     (15, "Moderately severe"), (19, "Moderately severe"), (20, "Severe"), (27, "Severe")],
)  # fmt: skip
def test_phq9_bands(total, band):
    assert definitions.band_of(PHQ9, total) == band


@pytest.mark.parametrize(
    ("total", "band"), [(4, "Minimal"), (5, "Mild"), (10, "Moderate"), (14, "Moderate"), (15, "Severe"), (21, "Severe")]
)
def test_gad7_bands(total, band):
    assert definitions.band_of(GAD7, total) == band


def test_phq9_worked_example():
    # 3, 2, 2, 1, 1, 0, 1, 1, 0 = 11: moderate depression; item 9 not endorsed, so no risk.
    answers = dict(zip("123456789", [3, 2, 2, 1, 1, 0, 1, 1, 0], strict=True))
    result = score(PHQ9, answers)
    assert (result.total, result.band, result.risk_items, result.prorated) == (11, "Moderate", (), False)
    assert score(PHQ9, {**answers, "9": 1}).risk_items == ("9",)
    assert score(PHQ9, all_answers(PHQ9, 3)).total == 27


def test_gad7_worked_example():
    answers = dict(zip("1234567", [2, 2, 3, 1, 2, 1, 2], strict=True))
    assert (score(GAD7, answers).total, score(GAD7, answers).band) == (13, "Moderate")
    assert score(GAD7, all_answers(GAD7, 3)).total == 21


def test_csi4_worked_example_and_cutoff():
    # "Happy" (3), "Mostly true" (3), "Somewhat" (2), "Mostly" (3) = 11 < 13.5: notable dissatisfaction.
    result = score(CSI4, {"1": 3, "2": 3, "3": 2, "4": 3})
    assert (result.total, result.band) == (11, "Notable relationship dissatisfaction")
    assert score(CSI4, {"1": 4, "2": 4, "3": 3, "4": 3}).band == "No notable dissatisfaction"  # 14
    assert score(CSI4, {"1": 6, "2": 5, "3": 5, "4": 5}).total == 21
    assert CSI4["cutoff"]["below"] == 13.5 and CSI16["cutoff"]["below"] == 51.5


def test_csi16_reverse_items_and_cutoff():
    # The most satisfied answers: 6 on item 1, 5 on items 2-10 and 12, 15; the left end (0) on 11, 13, 14, 16.
    best = {item["id"]: max(values(CSI16, item)) for item in CSI16["items"]}
    best.update({"11": 0, "13": 0, "14": 0, "16": 0})
    assert score(CSI16, best).total == 81
    worst = {item["id"]: 0 for item in CSI16["items"]}
    worst.update({"11": 5, "13": 5, "14": 5, "16": 5})
    assert score(CSI16, worst).total == 0
    assert definitions.band_of(CSI16, 51) == "Notable relationship dissatisfaction"
    assert definitions.band_of(CSI16, 52) == "No notable dissatisfaction"


def test_missing_answers_follow_each_instruments_rule():
    nine = dict(zip("123456789", [1, 1, 1, 1, 1, 1, 1, 2, None], strict=True))
    prorated = score(PHQ9, nine)  # 9 over 8 items answered: 9 * 9 / 8 = 10.125 -> 10
    assert (prorated.total, prorated.prorated, prorated.missing) == (10, True, ("9",))
    assert score(PHQ9, {**nine, "8": None, "7": None}).total is None  # three missing: not scored
    assert score(GAD7, {**all_answers(GAD7, 1), "7": None}).total == 7  # one missing: prorated
    assert not score(GAD7, {**all_answers(GAD7, 1), "7": None, "6": None}).valid
    assert not score(CSI4, {"1": 6, "2": 5, "3": 5, "4": None}).valid  # the CSI needs every item


def test_an_answer_that_is_not_an_option_is_refused():
    with pytest.raises(ValueError, match="item 2"):
        score(CSI4, {"1": 6, "2": 6, "3": 5, "4": 5})  # item 2 stops at 5
    with pytest.raises(ValueError, match="does not have"):
        score(GAD7, {**all_answers(GAD7, 1), "8": 1})


def answers_for(definition):
    return st.fixed_dictionaries(
        {item["id"]: st.one_of(st.none(), st.sampled_from(values(definition, item))) for item in definition["items"]}
    )


@pytest.mark.parametrize("slug", ["phq9", "gad7", "csi4", "csi16"])
@PROPERTY
@given(data=st.data())
def test_every_answer_combination_scores_within_range(slug, data):
    definition = definitions.shipped()[slug]
    answers = data.draw(answers_for(definition))
    result = score(definition, answers)
    low, high = definition["scoring"]["range"]
    if result.valid:
        assert low <= result.total <= high
        assert result.band
    missing = {k for k, v in answers.items() if v is None}
    assert set(result.missing) == missing
    if not missing:
        plain = sum(definitions.item_score(definition, i, answers[i["id"]]) for i in definition["items"])
        assert result.total == plain and not result.prorated


@PROPERTY
@given(answers=st.fixed_dictionaries({i["id"]: st.sampled_from(values(CSI16, i)) for i in CSI16["items"]}))
def test_reverse_items_are_reversed(answers):
    """Moving a reverse item one step to the right lowers the total by one; a plain item raises it."""
    base = score(CSI16, answers).total
    for item in CSI16["items"]:
        value = answers[item["id"]]
        if value == max(values(CSI16, item)):
            continue
        moved = score(CSI16, {**answers, item["id"]: value + 1}).total
        assert moved == base + (-1 if item.get("reverse") else 1), item["id"]


@PROPERTY
@given(answers=answers_for(PHQ9))
def test_phq9_risk_is_exactly_item_9_above_0(answers):
    assert score(PHQ9, answers).risk_items == (("9",) if (answers["9"] or 0) > 0 else ())


# --- the schema -----------------------------------------------------------------------------------


def test_a_mistyped_option_value_is_caught_by_the_range_check():
    broken = copy.deepcopy(CSI4)
    broken["option_sets"]["truth"][5]["value"] = 6
    with pytest.raises(DefinitionError) as caught:
        validate_definition(broken)
    assert "scoring.range: the items give 0 to 22, the definition says [0, 21]" in caught.value.messages


def test_every_problem_is_named_with_where_it_is():
    broken = copy.deepcopy(PHQ9)
    broken["slug"] = "Not A Slug"
    broken["items"][2]["options"] = "freq"
    broken["option_sets"]["frequency"][1]["value"] = 0
    with pytest.raises(DefinitionError) as caught:
        validate_definition(broken)
    messages = caught.value.messages
    assert any(m.startswith("slug:") for m in messages)
    assert "items[2].options: unknown option set 'freq'" in messages
    assert "option_sets.frequency: two options share a value" in messages


def test_bands_must_cover_the_range():
    broken = copy.deepcopy(GAD7)
    broken["bands"][1]["from"] = 6
    with pytest.raises(DefinitionError, match="contiguous"):
        validate_definition(broken)
    with pytest.raises(DefinitionError, match="missing"):
        validate_definition({k: v for k, v in GAD7.items() if k != "citation"})


def test_the_shipped_files_are_what_the_loader_validated():
    for path in definitions.SHIPPED_DIR.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert validate_definition(data) == definitions.shipped()[data["slug"]]


# --- a licensed instrument added by the practice (admin upload) -----------------------------------


def licensed_file(**changes) -> bytes:
    definition = copy.deepcopy(GAD7)
    definition.update(slug="licensed-demo", name="LIC-7", title="A licensed instrument", **changes)
    return json.dumps(definition).encode()


def upload_form(content: bytes, licence: str = "Licence 2027-14 from the publisher, clinical use in this practice."):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from measures.admin import InstrumentDefinitionForm

    files = {"file": SimpleUploadedFile("definition.json", content, content_type="application/json")}
    return InstrumentDefinitionForm(data={"licence_note": licence, "active": "on"}, files=files)


@pytest.mark.django_db
def test_an_uploaded_definition_is_validated_and_recorded_with_its_licence(admin_user, rf):
    from django.contrib.admin.sites import site

    from measures.models import InstrumentDefinition

    form = upload_form(licensed_file())
    assert form.is_valid(), form.errors
    request = rf.post("/admin/")
    request.user = admin_user
    site._registry[InstrumentDefinition].save_model(request, form.save(commit=False), form, change=False)
    row = InstrumentDefinition.objects.get(slug="licensed-demo")
    assert row.licence_note.startswith("Licence 2027-14") and row.uploaded_by == admin_user
    assert definitions.get_definition("licensed-demo")["name"] == "LIC-7"
    assert "licensed-demo" in {d["slug"] for d in definitions.available()}


@pytest.mark.django_db
def test_a_broken_upload_is_refused_with_every_problem_named():
    broken = json.loads(licensed_file(direction="sideways"))
    broken["items"][0]["options"] = "nope"
    form = upload_form(json.dumps(broken).encode())
    assert not form.is_valid()
    errors = form.errors["file"]
    assert any(e.startswith("direction:") for e in errors) and "items[0].options: unknown option set 'nope'" in errors
    assert not upload_form(b"{not json").is_valid()
    shipped_slug = upload_form(json.dumps(GAD7).encode())
    assert not shipped_slug.is_valid() and "shipped instrument" in str(shipped_slug.errors["file"])
