"""The dashboard's colour thresholds (KPI colours): a rate shows green from `green` %, amber from `amber` %,
red below. The union administrator sets them; they are kept on the union's own row (the root `union`
unit, as its name is), the defaults when never set."""

from workflow import InvalidPayload, StateConflict
from workflow.errors import N_
from workflow.payload import Integer, message, validate

from ..models import User, root_union
from . import audit
from .admin import authorize
from .unit import finish

DEFAULTS = {"green": 90, "amber": 70}
FIELDS = {
    "green": Integer(required=True, minimum=0, maximum=100),
    "amber": Integer(required=True, minimum=0, maximum=100),
}


def dashboard_thresholds() -> dict[str, int]:
    """The thresholds in force, in percent: {"green": 90, "amber": 70} unless the union set others."""
    unit = root_union()
    if unit is None or unit.dashboard_green is None:
        return dict(DEFAULTS)
    return {"green": unit.dashboard_green, "amber": unit.dashboard_amber}


def level(rate: float | None, thresholds: dict[str, int]) -> str | None:
    """The colour of a rate (a fraction in [0, 1]): green, amber or red; None without a rate."""
    if rate is None:
        return None
    percent = rate * 100
    if percent >= thresholds["green"]:
        return "green"
    return "amber" if percent >= thresholds["amber"] else "red"


def set_dashboard_thresholds(data, *, actor: User | None = None) -> dict[str, int]:
    """Set the thresholds (whole percentages 0–100, green above amber); audited with the old and new values."""
    authorize(actor)
    clean = validate(FIELDS, data)
    if clean["green"] <= clean["amber"]:
        wrong = message(N_("Green must start above amber."))
        raise InvalidPayload({"green": wrong, "amber": wrong})
    unit = root_union()
    if unit is None:
        raise StateConflict(N_("Name the union first: the thresholds are kept with it."), state="")
    before = dashboard_thresholds()
    unit.dashboard_green, unit.dashboard_amber = clean["green"], clean["amber"]
    audit.record("union.dashboard_thresholds", unit, {"before": before, "after": clean}, actor=actor)
    finish()
    return dashboard_thresholds()
