"""The browser's skip rules and the server's read the same cases the same way.

The survey and the paper entry screen hide items with survey/static/js/skip_rules.js; the
server decides with survey/questionnaires/conditions.py. Every rule of the shipped
questionnaires, and nested rules beyond them, are evaluated on the same answers by both.
"""

import random
from pathlib import Path

from survey.questionnaires.conditions import Condition
from survey.questionnaires.definition import QUESTIONNAIRE_DIR, load_file

SCRIPT = Path(__file__).parents[2] / "survey" / "static" / "js" / "skip_rules.js"

NESTED = [
    {"item": "X", "answered": True},
    {"item": "X", "answered": False},
    {"item": "X", "in": [1, 2]},
    {"all": [{"item": "X", "in": [1]}, {"item": "Y", "answered": True}]},
    {"any": [{"item": "X", "in": [3]}, {"all": [{"item": "Y", "in": [2, 4]}]}]},
    {"all": [{"any": [{"item": "X", "answered": False}, {"item": "Y", "in": [1]}]}]},
]
# What an item may hold: nothing, one code, several (multiple choice), text.
ANSWERS = [None, 1, 2, 3, 4, [1, 3], [2, 4], [], "", "văn bản"]


def _rules() -> list[dict]:
    rules = list(NESTED)
    for name in ("sipas-citizen.yaml", "sipas-organisation.yaml"):
        definition = load_file(QUESTIONNAIRE_DIR / name)
        rules += [q.show_if.to_raw() for q in definition.items if q.show_if is not None]
    return rules


def _as_text(value) -> list[str]:
    """An answer as the browser holds it: the values given, as text."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def test_the_browser_and_the_server_read_every_rule_alike(page):
    rules = _rules()
    items = sorted({t.item for r in rules for t in Condition.from_raw(r).tests()})
    chooser = random.Random(2026)
    cases = []
    for rule in rules:
        for _ in range(100):
            answers = {code: chooser.choice(ANSWERS) for code in items}
            cases.append((rule, answers))
        for value in ANSWERS:  # every kind of answer on every item a rule reads
            cases.append((rule, dict.fromkeys(items, value)))
    page.goto("about:blank")
    page.add_script_tag(content=SCRIPT.read_text(encoding="utf-8"))
    in_browser = page.evaluate(
        "cases => cases.map(([rule, answers]) =>"
        " window.SkipRules.met(rule, code => answers[code] || []))",
        [[rule, {k: _as_text(v) for k, v in answers.items()}] for rule, answers in cases],
    )
    on_server = [Condition.from_raw(rule).is_met(answers) for rule, answers in cases]
    disagreements = [
        (rule, answers)
        for (rule, answers), js, py in zip(cases, in_browser, on_server, strict=True)
        if js != py
    ]
    assert disagreements == [], disagreements[:5]
    assert len(cases) > 1000
    assert set(on_server) == {True, False}, "both outcomes are tried"
