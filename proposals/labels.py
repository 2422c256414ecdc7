"""How the lifecycle's states and choice values read to people (states, reply classes, ratings): the
pages, the mail, the reports, the exports and the API all take them from here, so no lower layer imports
the web's forms for a word, and a state has one name everywhere (its stamp, the lists and their filters,
the timeline, the dashboard, the ledger, the exports): the one `label` of its entry in
workflow/definition.py. What a proposal awaits (待评价, 待签收) is said by the step it stands at, never
by a second name for its state.
"""

from flask_babel import gettext

from workflow import LIFECYCLE, OUTCOMES, RATINGS
from workflow.errors import N_

CHOICE_LABELS = {
    "A": N_("A: solved or adopted"),
    "B": N_("B: being solved, or planned with a date"),
    "C": N_("C: cannot be solved now, kept for reference"),
    "satisfied": N_("Satisfied"),
    "basically_satisfied": N_("Basically satisfied"),
    "unsatisfied": N_("Unsatisfied"),
}
assert set(CHOICE_LABELS) >= set(OUTCOMES) | set(RATINGS)


def choice_label(value: str) -> str:
    """How a rating or reply class reads, in the current language (an unknown value as it is)."""
    return gettext(CHOICE_LABELS[value]) if value in CHOICE_LABELS else value


def outcome_label(code: str, session=None) -> str:
    """How a reply class reads: its label in the session's outcome_classes (a default one translated, a
    union's own as written), else DOMAIN's, else the code itself."""
    found = next(
        (c for c in (session.outcome_classes if session is not None else None) or () if c["code"] == code), None
    )
    if found is not None:
        label = found["label"]  # (a variable: a default's label is a msgid, a union's own is returned as it is)
        return gettext(label)
    return choice_label(code)


def state_label(state: str) -> str:
    """The one name of a lifecycle state, in the current language (an unknown value as it is)."""
    spec = LIFECYCLE.states.get(state)
    if spec is None:
        return state
    msgid = spec["label"]  # (a variable: a literal inside gettext() would be extracted as a msgid)
    return gettext(msgid)
