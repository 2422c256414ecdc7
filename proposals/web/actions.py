"""The proposal page's action bar: which of the events a user may fire are buttons, in which order.

Nothing here is a list of events by hand: the main task of each actor is the register's (`main`), an
event is irreversible when every way it goes ends in a final state of the lifecycle (reject, merge,
withdraw, archive: those ask for confirmation in place), and one needs no form when it has no field to
fill (acknowledge), or is a main task whose fields are all optional (co-sign, countersign, forward).
An event the register follows with another (accept, then assign) opens one form for both.
"""

from dataclasses import dataclass

from workflow import LIFECYCLE

from ..operations.register import REGISTER

FINAL_STATES = frozenset(s for s, spec in LIFECYCLE.states.items() if spec.get("final"))
IRREVERSIBLE = frozenset(
    name for name, e in LIFECYCLE.events.items() if all(t.dest in FINAL_STATES for t in e.transitions)
)


@dataclass(frozen=True)
class Action:
    event: str
    main: bool  # this user's main task here: first and prominent
    irreversible: bool  # confirmed in place before it is fired
    one_click: bool  # the button fires it: nothing to fill in
    then: str | None  # the event offered in the same form and fired with it
    has_fields: bool  # it has a form: a one-click event's optional fields are a second, secondary button


def one_click(event: str) -> bool:
    payload = LIFECYCLE.event(event).payload
    entry = REGISTER[event]
    if event in IRREVERSIBLE or entry.then is not None:
        return False
    return not payload or (entry.main and not any(spec.required for spec in payload.values()))


def actions(events: list[str]) -> list[Action]:
    """The action bar for these available events: the first main task first, the rest in lifecycle order."""
    found = [
        Action(e, REGISTER[e].main, e in IRREVERSIBLE, one_click(e), REGISTER[e].then, bool(LIFECYCLE.event(e).payload))
        for e in events
    ]
    main = next((a for a in found if a.main), None)
    rest = [a for a in found if a is not main]
    return ([main] if main else []) + [
        Action(a.event, False, a.irreversible, a.one_click, a.then, a.has_fields) for a in rest
    ]
