"""The dashboard for union staff and leaders: the reported numbers of a session, and every session's.

Every figure comes from proposals.stats (the same numbers as GET /api/v1/stats) and links to the
list of the proposals behind it.
"""

from datetime import date

from flask import Blueprint, render_template, request, url_for
from flask_babel import format_decimal, format_percent, gettext
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound as PageNotFound

from workflow.errors import N_

from .. import stats, unions
from ..access import OVERSIGHT_ROLES, visible_filter
from ..extensions import db
from ..i18n import state_label
from ..models import CongressSession, Proposal
from ..operations import clock
from ..operations.thresholds import dashboard_thresholds, level
from ..reports import charts
from . import NavItem
from .exports import HANDLING_REPORT_ROLES, roles_required

DASHBOARD_ROLES = OVERSIGHT_ROLES  # union staff, leaders, the committee and supervisors
OVERDUE_SHOWN = 50  # the longest overdue; the count links to the list of all of them
bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
NAV = [NavItem("dashboard.index", N_("Dashboard"), roles=DASHBOARD_ROLES, order=50)]

RATE_LABELS = {
    "acceptance_rate": N_("Acceptance rate"),
    "reply_rate": N_("Reply rate"),
    "closure_rate": N_("Closure rate"),
    "on_time_rate": N_("On-time rate"),
    "satisfaction_rate": N_("Satisfaction rate"),
    "cosigner_satisfaction_rate": N_("Co-signers' satisfaction rate"),
}
RATE_HINTS = {
    "acceptance_rate": N_("accepted (incl. converted) ÷ reviewed"),
    "reply_rate": N_("replied or later ÷ assigned or later"),
    "closure_rate": N_("closed ÷ accepted"),
    "on_time_rate": N_("replied by the deadline ÷ replied"),
    "satisfaction_rate": N_("satisfied or basically satisfied ÷ rated by the author"),
    "cosigner_satisfaction_rate": N_("satisfied or basically satisfied ÷ the co-signers' ratings"),
}


def list_url(**filters) -> str:
    """The proposal list (web/lists.py) showing exactly these filters: session, state (one or a list),
    category, department (with lead=1: as lead only, as stats counts departments), delegation, overdue,
    outcome; None values are left out."""
    args = {k: v for k, v in filters.items() if v is not None}
    if "overdue" in args:
        args["overdue"] = 1 if args["overdue"] else 0
    return url_for("lists.index", **args)


def percent(value: float | None) -> str:
    return "—" if value is None else format_percent(value, "#,##0.0%")


def days(value: float | None) -> str:
    return "—" if value is None else format_decimal(value, "#,##0.0")


LEVEL_LABELS = {"green": N_("on target"), "amber": N_("needs attention"), "red": N_("below target")}


def _chosen_session() -> tuple[CongressSession | None, list[CongressSession]]:
    """The session asked for (?session=ID; "all" or empty: all sessions); by default the latest open one."""
    sessions = list(db.session.scalars(db.select(CongressSession).order_by(CongressSession.id.desc())))
    wanted = request.args.get("session")
    if wanted is None:
        return next((s for s in sessions if s.is_open), sessions[0] if sessions else None), sessions
    if wanted in ("", "all"):
        return None, sessions
    chosen = next((s for s in sessions if str(s.id) == wanted.strip()), None)
    if chosen is None:
        raise PageNotFound()
    return chosen, sessions


@bp.get("/")
@roles_required(*DASHBOARD_ROLES)
def index():
    """The five rates, counts by state, reply classes, overdue items, rankings, breakdowns and the trend."""
    session, sessions = _chosen_session()
    session_id = session.id if session else None
    numbers = stats.report(session_id, user=current_user)
    trend = stats.trend(user=current_user)
    thresholds = dashboard_thresholds()
    return render_template(
        "dashboard/index.html",
        session=session,
        sessions=sessions,
        numbers=numbers,
        thresholds=thresholds,
        rates=_rates(numbers, session_id, thresholds),
        department_ranking=_department_ranking(numbers, session_id, thresholds),
        days_ranking=_days_ranking(numbers, session_id),
        states=_states(numbers, session_id),
        outcomes=_outcomes(numbers, session_id),
        overdue=stats.overdue_proposals(session_id, user=current_user, limit=OVERDUE_SHOWN),
        provisional=provisional_deadlines(session_id),
        on_time_ranking=_ranking(numbers, "on_time_rate", session_id),
        satisfaction_ranking=_ranking(numbers, "satisfaction_rate", session_id),
        breakdowns=_breakdowns(numbers, session_id),
        trend_rows=[{**s, "filters": {"session": s["session_id"]}} for s in trend],
        trend_chart=_trend_chart(trend),
        rate_labels=RATE_LABELS,
        handling_report=unions.holds_somewhere(current_user, HANDLING_REPORT_ROLES),
        rate_bases={key: list(states) for key, states in stats.RATE_BASES.items()},
        list_url=list_url,
        percent=percent,
        days=days,
    )


def _level(rate: float | None, thresholds: dict) -> dict | None:
    found = level(rate, thresholds)
    return {"key": found, "label": gettext(LEVEL_LABELS[found])} if found else None


def _rates(numbers: dict, session_id: int | None, thresholds: dict) -> list[dict]:
    return [
        {
            "key": key,
            "label": gettext(label),
            "hint": gettext(RATE_HINTS[key]),
            "value": numbers["rates"][key],
            "text": percent(numbers["rates"][key]),
            "href": list_url(session=session_id, state=list(stats.RATE_BASES[key])),
            "level": _level(numbers["rates"][key], thresholds),
        }
        for key, label in RATE_LABELS.items()
    ]


def _department_ranking(numbers: dict, session_id: int | None, thresholds: dict) -> list[dict]:
    """The departments by on-time rate, satisfaction and days to reply (stats.department_ranking), each row
    with its place, its figures' colours and the list of its proposals."""
    return [
        {
            **r,
            "place": place,
            "href": list_url(session=session_id, department=r["department_id"], lead=1),
            "levels": {k: _level(r["rates"][k], thresholds) for k in ("on_time_rate", "satisfaction_rate")},
        }
        for place, r in enumerate(stats.department_ranking(numbers["by_department"]), start=1)
    ]


def _days_ranking(numbers: dict, session_id: int | None) -> dict:
    """The departments by their average working days to reply, the fewest first (those without a reply last)."""
    rows = sorted(
        numbers["by_department"],
        key=lambda r: (r["avg_working_days_to_reply"] is None, r["avg_working_days_to_reply"] or 0, r["code"]),
    )
    items = [
        (
            r["name"],
            r["avg_working_days_to_reply"],
            days(r["avg_working_days_to_reply"]),
            list_url(session=session_id, department=r["department_id"], lead=1),
        )
        for r in rows
    ]
    return {"rows": [r for r in rows if r["avg_working_days_to_reply"] is not None], "chart": charts.bars(items)}


def _states(numbers: dict, session_id: int | None) -> dict:
    items = [
        (state_label(state), count, str(count), list_url(session=session_id, state=state))
        for state, count in numbers["counts"].items()
    ]
    return charts.bars(items)


def _outcomes(numbers: dict, session_id: int | None) -> dict:
    parts = [
        (
            outcome,
            numbers["outcomes"][outcome],
            f"{outcome} {percent(numbers['outcomes'][outcome])} ({numbers['outcome_counts'][outcome]})",
            list_url(session=session_id, outcome=outcome),
        )
        for outcome in numbers["outcomes"]  # A, B, C and the sessions' own classes (stats.outcome_codes)
    ]
    return charts.stacked(parts)


def _ranking(numbers: dict, rate: str, session_id: int | None) -> dict:
    rows = stats.ranked(numbers["by_department"], rate)
    items = [
        (
            r["name"],
            r["rates"][rate],
            percent(r["rates"][rate]),
            list_url(session=session_id, department=r["department_id"], lead=1),
        )
        for r in rows
    ]
    return {"rows": rows, "chart": charts.bars(items, scale=1.0)}


def _breakdowns(numbers: dict, session_id: int | None) -> list[tuple[str, str, list[dict]]]:
    """The tables by department, category and delegation, each row with the filters of its proposals."""

    def rows(key: str, filter_name: str, value_key: str, **more) -> list[dict]:
        return [{**r, "filters": {"session": session_id, filter_name: r[value_key], **more}} for r in numbers[key]]

    return [
        (gettext("By lead department"), "by-department", rows("by_department", "department", "department_id", lead=1)),
        (gettext("By category"), "by-category", rows("by_category", "category", "category")),
        (gettext("By delegation"), "by-delegation", rows("by_delegation", "delegation", "delegation_id")),
        (gettext("Proposals and suggestions"), "by-kind", rows("by_kind", "kind", "kind")),
    ]


def _trend_chart(trend: list[dict]) -> dict:
    columns = [(s["code"], list_url(session=s["session_id"])) for s in trend]
    series = [
        (gettext(label), [s["rates"][key] for s in trend], [f"{s['name']}: {percent(s['rates'][key])}" for s in trend])
        for key, label in RATE_LABELS.items()
    ]
    return charts.lines(columns, series)


def provisional_deadlines(session_id: int | None, today: date | None = None) -> dict | None:
    """How many proposals being handled have a deadline in a year whose official holiday arrangement is
    not loaded yet (so counted on its statutory holidays alone, and liable to move), and the year."""
    today = today or stats.local_today()
    working = clock.working_calendar()
    year = next((y for y in range(today.year, today.year + 3) if not working.is_official(y)), None)
    if year is None:
        return None
    stmt = (
        select(func.count())
        .select_from(Proposal)
        .where(
            Proposal.state.in_(stats.HANDLING),
            Proposal.lead_reply_deadline >= date(year, 1, 1),
            visible_filter(current_user),
        )
    )
    if session_id is not None:
        stmt = stmt.where(Proposal.session_id == session_id)
    count = db.session.scalar(stmt)
    return {"year": year, "count": count} if count else None
