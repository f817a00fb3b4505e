"""Instruments as data: the shipped definitions (measures/instruments/*.json), the practice's licensed
uploads, the schema both must meet, and the one scoring function.

A definition names its items, the answer options of each (with their values), which items are
reverse-scored and which are risk items (`risk_above`: an answer scoring above it is a risk signal),
the scoring rule (a sum, its range, what to do with missing answers: `prorate` up to `max_missing`
items, else `invalid`), optional subscales, the severity bands (contiguous, covering the range) and
the citation and licence note. `validate_definition` checks all of it, and that the stated range is
the one the items actually give, so a mistyped option value cannot slip through; every problem is
named with where it is ("items[3].options: unknown option set 'freq'").

jsonschema is not installed here, so the schema is this module's own short validator.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError

SHIPPED_DIR = Path(__file__).resolve().parent / "instruments"
SCHEMA_VERSION = 1
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
REQUIRED = {
    "schema": int,
    "slug": str,
    "name": str,
    "title": str,
    "version": str,
    "citation": str,
    "licence": str,
    "instructions": str,
    "option_sets": dict,
    "items": list,
    "scoring": dict,
    "bands": list,
    "direction": str,
}
DIRECTIONS = {"higher_is_worse", "higher_is_better"}


class DefinitionError(ValidationError):
    pass


@dataclass(frozen=True)
class Score:
    """The result of scoring one set of answers. `total` is None when the answers cannot be scored."""

    total: int | None
    valid: bool
    prorated: bool = False
    band: str = ""
    missing: tuple[str, ...] = ()
    risk_items: tuple[str, ...] = ()
    subscales: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "valid": self.valid,
            "prorated": self.prorated,
            "band": self.band,
            "missing": list(self.missing),
            "risk_items": list(self.risk_items),
            "subscales": dict(self.subscales),
        }


# --- The schema -----------------------------------------------------------------------------------


def validate_definition(data) -> dict:
    """Return `data` if it is a valid definition, else raise DefinitionError listing every problem."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise DefinitionError(["The definition must be a JSON object."])
    for key, kind in REQUIRED.items():
        if key not in data:
            problems.append(f"{key}: missing")
        elif not isinstance(data[key], kind) or isinstance(data[key], bool):
            problems.append(f"{key}: must be a {kind.__name__}")
    if problems:
        raise DefinitionError(problems)
    if data["schema"] != SCHEMA_VERSION:
        problems.append(f"schema: only version {SCHEMA_VERSION} is understood")
    if not SLUG.match(data["slug"]):
        problems.append("slug: lower-case letters, digits, - and _ only (at most 40)")
    for key in ("name", "title", "citation", "licence"):
        if not data[key].strip():
            problems.append(f"{key}: must not be empty")
    if data["direction"] not in DIRECTIONS:
        problems.append(f"direction: one of {sorted(DIRECTIONS)}")
    problems += _option_set_problems(data["option_sets"])
    problems += _item_problems(data["items"], data["option_sets"])
    if not problems:
        problems += _scoring_problems(data)
    if problems:
        raise DefinitionError(problems)
    return data


def _option_set_problems(option_sets: dict) -> list[str]:
    problems = []
    if not option_sets:
        problems.append("option_sets: at least one")
    for name, options in option_sets.items():
        where = f"option_sets.{name}"
        if not isinstance(options, list) or len(options) < 2:
            problems.append(f"{where}: a list of at least two options")
            continue
        values = []
        for i, option in enumerate(options):
            if not isinstance(option, dict) or not isinstance(option.get("label"), str):
                problems.append(f"{where}[{i}]: needs a label")
                continue
            value = option.get("value")
            if not isinstance(value, int) or isinstance(value, bool):
                problems.append(f"{where}[{i}].value: must be a whole number")
                continue
            values.append(value)
        if len(values) != len(set(values)):
            problems.append(f"{where}: two options share a value")
    return problems


def _item_problems(items: list, option_sets: dict) -> list[str]:
    problems = []
    if not items:
        problems.append("items: at least one")
    ids = []
    for i, item in enumerate(items):
        where = f"items[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be an object")
            continue
        if not isinstance(item.get("id"), str) or not item["id"]:
            problems.append(f"{where}.id: a non-empty string")
        ids.append(item.get("id"))
        if not isinstance(item.get("text"), str) or not item["text"].strip():
            problems.append(f"{where}.text: the question's text")
        if item.get("options") not in option_sets:
            problems.append(f"{where}.options: unknown option set {item.get('options')!r}")
            continue
        if not isinstance(item.get("reverse", False), bool):
            problems.append(f"{where}.reverse: true or false")
        if "risk_above" in item:
            threshold = item["risk_above"]
            values = _values(option_sets[item["options"]])
            if not isinstance(threshold, int) or isinstance(threshold, bool):
                problems.append(f"{where}.risk_above: a whole number")
            elif not min(values) <= threshold < max(values):
                problems.append(f"{where}.risk_above: must lie within the item's scores (below the highest)")
    if len(ids) != len(set(ids)):
        problems.append("items: two items share an id")
    return problems


def _scoring_problems(data: dict) -> list[str]:
    problems = []
    scoring = data["scoring"]
    if scoring.get("method") != "sum":
        problems.append("scoring.method: only 'sum' is supported")
    missing = scoring.get("missing")
    if missing not in ("prorate", "invalid"):
        problems.append("scoring.missing: 'prorate' or 'invalid'")
    if missing == "prorate":
        most = scoring.get("max_missing")
        if not isinstance(most, int) or isinstance(most, bool) or not 0 <= most < len(data["items"]):
            problems.append("scoring.max_missing: a whole number below the number of items")
    low, high = _possible_range(data, [item["id"] for item in data["items"]])
    stated = scoring.get("range")
    if stated != [low, high]:
        problems.append(f"scoring.range: the items give {low} to {high}, the definition says {stated}")
    ids = {item["id"] for item in data["items"]}
    for i, subscale in enumerate(data.get("subscales", [])):
        if not isinstance(subscale, dict) or not subscale.get("id") or not subscale.get("label"):
            problems.append(f"subscales[{i}]: needs an id and a label")
        elif not subscale.get("items") or not set(subscale["items"]) <= ids:
            problems.append(f"subscales[{i}].items: a list of the definition's item ids")
    problems += _band_problems(data["bands"], low, high)
    return problems


def _band_problems(bands: list, low: int, high: int) -> list[str]:
    expected = low
    for i, band in enumerate(bands):
        if not isinstance(band, dict) or not isinstance(band.get("label"), str):
            return [f"bands[{i}]: needs from, to and a label"]
        if band.get("from") != expected or not isinstance(band.get("to"), int) or band["to"] < band["from"]:
            return [f"bands[{i}]: must start at {expected} and end at or after it (bands are contiguous)"]
        expected = band["to"] + 1
    if expected != high + 1:
        return [f"bands: must cover the whole range {low} to {high}"]
    return []


def _values(options: list) -> list[int]:
    return [option["value"] for option in options]


def _item_scores(data: dict, item: dict) -> list[int]:
    """The scores an item can give: its option values, reversed for a reverse-scored item."""
    values = _values(data["option_sets"][item["options"]])
    if item.get("reverse"):
        return [min(values) + max(values) - v for v in values]
    return values


def _possible_range(data: dict, item_ids: list[str]) -> tuple[int, int]:
    items = [item for item in data["items"] if item["id"] in item_ids]
    return sum(min(_item_scores(data, i)) for i in items), sum(max(_item_scores(data, i)) for i in items)


# --- Where definitions come from ------------------------------------------------------------------


@cache
def shipped() -> dict[str, dict]:
    """The shipped definitions by slug, each validated (a broken file stops start-up loudly)."""
    found = {}
    for path in sorted(SHIPPED_DIR.glob("*.json")):
        data = validate_definition(json.loads(path.read_text(encoding="utf-8")))
        found[data["slug"]] = data
    return found


def get_definition(slug: str) -> dict:
    """A shipped definition, or the practice's uploaded one. KeyError when there is none."""
    if slug in shipped():
        return shipped()[slug]
    from measures.models import InstrumentDefinition

    row = InstrumentDefinition.objects.filter(slug=slug, active=True).first()
    if row is None:
        raise KeyError(slug)
    return row.definition


def available() -> list[dict]:
    """Every instrument a therapist may assign: shipped first, then the practice's licensed ones."""
    from measures.models import InstrumentDefinition

    uploaded = [row.definition for row in InstrumentDefinition.objects.filter(active=True).order_by("slug")]
    return [*shipped().values(), *(d for d in uploaded if d["slug"] not in shipped())]


# --- Scoring --------------------------------------------------------------------------------------


def item_score(data: dict, item: dict, value: int) -> int:
    """The score of one answer: the option's value, reversed for a reverse-scored item."""
    values = _values(data["option_sets"][item["options"]])
    if value not in values:
        raise ValueError(f"item {item['id']}: {value} is not one of its options")
    return min(values) + max(values) - value if item.get("reverse") else value


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _sum(data: dict, items: list[dict], scores: dict[str, int]) -> tuple[int | None, bool]:
    """The (possibly prorated) sum over `items`, or None when the missing-answers rule says no."""
    answered = [scores[i["id"]] for i in items if i["id"] in scores]
    missing = len(items) - len(answered)
    if missing == 0:
        return sum(answered), False
    rule = data["scoring"]
    if rule["missing"] != "prorate" or missing > rule["max_missing"] or not answered:
        return None, False
    return _round(Decimal(sum(answered)) * len(items) / len(answered)), True


def band_of(data: dict, total: int | None) -> str:
    if total is None:
        return ""
    return next((b["label"] for b in data["bands"] if b["from"] <= total <= b["to"]), "")


def score(data: dict, answers: dict[str, int | None]) -> Score:
    """Score `answers` ({item id: option value, or None for unanswered}) by the definition's rules."""
    items = data["items"]
    scores = {i["id"]: item_score(data, i, answers[i["id"]]) for i in items if answers.get(i["id"]) is not None}
    unknown = set(answers) - {i["id"] for i in items}
    if unknown:
        raise ValueError(f"answers to items the instrument does not have: {sorted(unknown)}")
    total, prorated = _sum(data, items, scores)
    subscales = {}
    for subscale in data.get("subscales", []):
        members = [i for i in items if i["id"] in subscale["items"]]
        subscales[subscale["id"]] = _sum(data, members, scores)[0]
    risky = tuple(i["id"] for i in items if "risk_above" in i and scores.get(i["id"], -(10**9)) > i["risk_above"])
    return Score(
        total=total,
        valid=total is not None,
        prorated=prorated,
        band=band_of(data, total),
        missing=tuple(i["id"] for i in items if i["id"] not in scores),
        risk_items=risky,
        subscales=subscales,
    )


def options_of(data: dict, item: dict) -> list[dict]:
    return data["option_sets"][item["options"]]
