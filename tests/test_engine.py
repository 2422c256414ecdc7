"""The engine alone: no database, no Flask."""

import ast
import copy
from datetime import date
from pathlib import Path

import pytest

from workflow import DEFAULT_LIFECYCLE, LIFECYCLE, Actor, DefinitionError, Facts, Lifecycle, Settings
from workflow.calendar import add_working_days, covered_years, is_working_day, working_days_between
from workflow.diagram import mermaid
from workflow.predicates import CONDITIONS, REQUIREMENTS, WHO

AUTHOR = Actor(1, frozenset({"worker"}))
COMMITTEE = Actor(9, frozenset({"committee"}))


def broken(change) -> dict:
    definition = copy.deepcopy(DEFAULT_LIFECYCLE)
    change(definition)
    return definition


@pytest.mark.parametrize(
    "change, complaint",
    [
        (lambda d: d["events"]["accept"]["transitions"][0].update(dest="approved"), "unknown state 'approved'"),
        (lambda d: d["events"]["accept"].update(who=[]), "names no role"),
        (lambda d: d["events"]["accept"].update(who=["janitor"]), "unknown role 'janitor'"),
        (lambda d: d["states"].update(limbo={"label": "Limbo"}), "state 'limbo' cannot be reached"),
        (lambda d: d["events"]["accept"].update(requires=["luck"]), "unknown requirement 'luck'"),
        (lambda d: d["events"]["accept"]["transitions"][0].update(conditions=["!sunny"]), "unknown condition"),
        (lambda d: d.update(initial="nowhere"), "initial state 'nowhere'"),
        (lambda d: d["events"]["accept"].update(notify=["everyone"]), "unknown audience 'everyone'"),
    ],
)
def test_a_broken_definition_fails_with_a_clear_message(change, complaint):
    with pytest.raises(DefinitionError, match=complaint):
        Lifecycle(broken(change))


def test_one_machine_without_automatic_transitions():
    assert LIFECYCLE.machine.auto_transitions is False
    assert not any(name.startswith("to_") for name in LIFECYCLE.machine.events)
    assert LIFECYCLE.machine.models == []  # bound per call, never a machine per proposal


def test_decide_does_not_touch_its_inputs():
    facts = Facts(state="review", author_id=1)
    decision = LIFECYCLE.decide("accept", facts, COMMITTEE, Settings())
    assert (decision.from_state, decision.to_state, decision.effects) == ("review", "accepted", ("number",))
    assert facts.state == "review"


@pytest.mark.parametrize("name", sorted(WHO))
def test_who_predicates_return_real_booleans(name):
    for actor in (AUTHOR, COMMITTEE, Actor(None, frozenset({"system"})), Actor(3, frozenset(), 4, 5)):
        assert type(WHO[name](actor, Facts(state="draft", author_id=1, lead_department_id=4))) is bool


@pytest.mark.parametrize("name", sorted(CONDITIONS))
def test_conditions_return_real_booleans(name):
    result = CONDITIONS[name](Facts(state="replied", author_id=1), AUTHOR, Settings(), {"rating": "x"}, "cosign")
    assert type(result) is bool


@pytest.mark.parametrize("name", sorted(REQUIREMENTS))
def test_requirements_return_real_booleans(name):
    check, message = REQUIREMENTS[name]
    assert type(check(Facts(state="replied", author_id=1), AUTHOR, Settings())) is bool
    assert message.endswith(".")


def test_workflow_imports_nothing_from_flask_or_the_database():
    for path in Path(__file__).resolve().parent.parent.joinpath("workflow").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names.append(node.module)
            for name in names:
                assert not name.startswith(("flask", "sqlalchemy", "proposals")), f"{path.name} imports {name}"


def test_mermaid_diagram_names_every_state_and_event():
    text = mermaid(LIFECYCLE)
    assert text.startswith("stateDiagram-v2")
    for state in LIFECYCLE.states:
        assert state in text
    for event in LIFECYCLE.events:
        assert f": {event} (" in text


# -- working days ----------------------------------------------------------------------------


def test_national_day_holiday_is_skipped():
    # 2025: 1-8 October off, Sunday 28 September and Saturday 11 October are make-up working days
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert is_working_day(date(2025, 9, 28)) and is_working_day(date(2025, 10, 11))
    assert not is_working_day(date(2025, 10, 6))


def test_spring_festival_is_skipped():
    # 2026 Spring Festival: 15-23 February off; Saturdays 14 and 28 February are make-up working days
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    assert is_working_day(date(2026, 2, 28)) and not is_working_day(date(2026, 3, 1))


def test_union_overrides_and_uncovered_years():
    assert covered_years().start <= 2025 and covered_years().stop > 2026
    day = date(2026, 3, 3)  # a Tuesday
    assert not is_working_day(day, extra_off=frozenset({day}))
    assert is_working_day(date(2026, 3, 7), extra_on=frozenset({date(2026, 3, 7)}))  # a Saturday
    assert add_working_days(date(2031, 1, 3), 1) == date(2031, 1, 6)  # beyond the package: Monday to Friday


def test_working_days_between_counts_both_ways():
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 9)) == 5
    assert working_days_between(date(2026, 3, 9), date(2026, 3, 2)) == -5
