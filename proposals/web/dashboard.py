"""The dashboard for union staff and leaders: the reported numbers of a session, and every session's.

Every figure comes from proposals.stats (the same numbers as GET /api/v1/stats) and links to the
list of the proposals behind it.
"""

from datetime import date

from flask import Blueprint, g, render_template, request, url_for
from flask_babel import format_decimal, format_percent, gettext
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound as PageNotFound

from workflow.errors import N_

from .. import group_figures, stats, unions
from ..access import OVERSIGHT_ROLES, visible_filter
from ..extensions import db
from ..i18n import state_label
from ..models import CongressSession, OrgUnit, Proposal
from ..operations import NotFound, clock
from ..operations.thresholds import dashboard_thresholds, level
from ..reports import charts
from . import NavItem
from .exports import HANDLING_REPORT_ROLES, roles_required

DASHBOARD_ROLES = OVERSIGHT_ROLES  # union staff, leaders, the committee and supervisors
OVERDUE_SHOWN = 50  # the longest overdue; the count links to the list of all of them
bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
NAV = [
    NavItem("dashboard.index", N_("Dashboard"), roles=DASHBOARD_ROLES, order=50),
    # the group's figures, where there is a group of unions
    NavItem(
        "dashboard.unions_page",
        N_("Group figures"),
        roles=DASHBOARD_ROLES,
        order=51,
        shown=lambda: len(unions.current().ordered()) > 1,
    ),
]

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
    if "union" not in args and g.get("dashboard_union") is not None:  # the dashboard of one union
        args["union"] = g.dashboard_union
    if "overdue" in args:
        args["overdue"] = 1 if args["overdue"] else 0
    return url_for("lists.index", **args)


def percent(value: float | None) -> str:
    return "—" if value is None else format_percent(value, "#,##0.0%")


def days(value: float | None) -> str:
    return "—" if value is None else format_decimal(value, "#,##0.0")


LEVEL_LABELS = {"green": N_("on target"), "amber": N_("needs attention"), "red": N_("below target")}


def _chosen_session(scope: unions.Scope | None = None) -> tuple[CongressSession | None, list[CongressSession]]:
    """The session asked for (?session=ID; "all" or empty: all sessions); by default the latest open one.
    With `scope`, among those unions' sessions."""
    stmt = db.select(CongressSession).order_by(CongressSession.id.desc())
    if scope is not None:
        stmt = stmt.where(unions.sessions_in(scope, column=CongressSession.id))
    sessions = list(db.session.scalars(stmt))
    wanted = request.args.get("session")
    if wanted is None:
        return next((s for s in sessions if s.is_open), sessions[0] if sessions else None), sessions
    if wanted in ("", "all"):
        return None, sessions
    chosen = next((s for s in sessions if str(s.id) == wanted.strip()), None)
    if chosen is None:
        raise PageNotFound()
    return chosen, sessions


def _chosen_union() -> tuple[OrgUnit | None, unions.Scope | None]:
    """The union asked for (?union=ID: its own sessions; empty: every union the reader oversees), checked as
    the group's figures check it (404 for no union, 403 for one the reader does not oversee)."""
    wanted = (request.args.get("union") or "").strip()
    if not wanted:
        return None, None
    if not wanted.isdecimal() or len(wanted) > 9:
        raise NotFound(N_("No such union."))
    tree = unions.current()
    key = group_figures.chosen_union(current_user, int(wanted), tree)
    return tree.units[int(wanted)], unions.Scope({key})


@bp.get("/")
@roles_required(*DASHBOARD_ROLES)
def index():
    """The five rates, counts by state, reply classes, overdue items, rankings, breakdowns and the trend;
    with ?union=ID, those of one union's own sessions."""
    union, scope = _chosen_union()
    g.dashboard_union = union.id if union is not None else None
    if scope is None:  # the unions the reader oversees (the whole group for the company's staff)
        scope = group_figures.overseen(current_user)
    session, sessions = _chosen_session(scope)
    session_id = session.id if session else None
    numbers = stats.report(session_id, user=current_user, union=scope)
    # over every session the report's own by_session is the trend: not counted twice
    trend = stats.in_order(numbers["by_session"]) if session_id is None else stats.trend(user=current_user, union=scope)
    thresholds = dashboard_thresholds()
    return render_template(
        "dashboard/index.html",
        union=union,
        group=len(unions.current().ordered()) > 1 and bool(group_figures.overseen(current_user)),
        session=session,
        sessions=sessions,
        numbers=numbers,
        thresholds=thresholds,
        rates=_rates(numbers, session_id, thresholds),
        department_ranking=_department_ranking(numbers, session_id, thresholds),
        days_ranking=_days_ranking(numbers, session_id),
        states=_states(numbers, session_id),
        outcomes=_outcomes(numbers, session_id),
        overdue=stats.overdue_proposals(session_id, user=current_user, limit=OVERDUE_SHOWN, union=scope),
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


# -- the group of unions (两级工会) ------------------------------------------------------------------

RANK_LABELS = {rank: RATE_LABELS[rank] for rank in group_figures.UNION_RANKS}


@bp.get("/unions")
@roles_required(*DASHBOARD_ROLES)
def unions_page():
    """Every union's rates side by side, ranked by a chosen rate, with each union's trend across its
    sessions; with ?union=ID, that union and those below it, and its sessions (drill-down). The figures are
    those of GET /api/v1/stats/unions (group_figures), over the unions the reader oversees."""
    rank = request.args.get("rank") or group_figures.UNION_RANKS[0]
    if rank not in group_figures.UNION_RANKS:
        raise PageNotFound()
    union, _scope = _chosen_union()
    body = group_figures.group_figures(current_user, union_id=union.id if union else None, rank=rank)
    rows = [{**r, "place": place} for place, r in enumerate(body["unions"], start=1)]
    ranking = charts.bars(
        [
            (
                r["name"],
                r["rates"][rank],
                percent(r["rates"][rank]),
                url_for(".unions_page", union=r["union_id"], rank=rank),
            )
            for r in rows
        ],
        scale=1.0,
    )
    sessions = body.get("sessions")
    return render_template(
        "dashboard/unions.html",
        union=union,
        rank=rank,
        rank_labels={k: gettext(v) for k, v in RANK_LABELS.items()},
        rows=rows,
        ranking=ranking,
        trends=body["trends"],
        sessions=sessions,
        sessions_chart=_trend_chart(sessions) if sessions else None,
        rate_labels=RATE_LABELS,
        percent=percent,
        days=days,
    )
