"""The union's figures for a session as the papers print them: every number from stats.report() and
stats.reply_working_days(), never recomputed here; only named and formatted."""

from dataclasses import dataclass

from flask_babel import format_decimal, format_percent, gettext

from workflow.errors import N_

from .. import stats, unions
from ..models import User

RATE_LABELS = {
    "acceptance_rate": N_("Acceptance rate"),
    "reply_rate": N_("Reply rate"),
    "closure_rate": N_("Closure rate"),
    "on_time_rate": N_("On-time rate"),
    "satisfaction_rate": N_("Satisfaction rate"),
}


def percent(value: float | None) -> str:
    return "—" if value is None else format_percent(value, "#,##0.0%")


def days(value: float | None) -> str:
    return "—" if value is None else format_decimal(value, "#,##0.0")


@dataclass(frozen=True)
class Figures:
    report: dict  # stats.report()
    reply_days: dict  # stats.reply_working_days()

    def department_days(self, department_id: int) -> float | None:
        return self.reply_days["by_department"].get(department_id, {}).get("average")


def figures(session_id: int | None, user: User, union: unions.Scope | None = None) -> Figures:
    """The numbers of a session (or of all sessions, of these unions' when given) over what `user` may see."""
    return Figures(
        stats.report(session_id, user=user, union=union), stats.reply_working_days(session_id, user=user, union=union)
    )


def summary_lines(found: Figures) -> list[tuple[str, str]]:
    """(label, figure) of the overall numbers, in the order the union reports them."""
    numbers = found.report
    lines = [(gettext("Proposals counted"), str(numbers["total"]))]
    lines += [(gettext(label), percent(numbers["rates"][key])) for key, label in RATE_LABELS.items()]
    lines += [
        (
            gettext("Share of class %(outcome)s", outcome=o),
            f"{percent(numbers['outcomes'][o])} ({numbers['outcome_counts'][o]})",
        )
        for o in numbers["outcomes"]  # A, B, C and the sessions' own classes (stats.outcome_codes)
    ]
    lines += [
        (gettext("Overdue"), str(numbers["overdue"])),
        (gettext("Average working days from assignment to first reply"), days(found.reply_days["average"])),
    ]
    return lines


def breakdown_header() -> list[str]:
    return [gettext("Proposals counted"), *(gettext(label) for label in RATE_LABELS.values())]


def breakdown_row(group: dict) -> list[str]:
    return [str(group["total"]), *(percent(group["rates"][key]) for key in RATE_LABELS)]
