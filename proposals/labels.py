"""How the lifecycle's choice values read to people (reply classes, ratings): the pages, the mail, the
reports and the exports all take them from here, so no lower layer imports the web's forms for a word.
"""

from flask_babel import gettext

from workflow import OUTCOMES, RATINGS
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
