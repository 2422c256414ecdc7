"""The audit log (审计日志): who did what and when, for the union's staff.

Three records read as one, newest first: the history of every proposal (each lifecycle event and each
draft change), the administrative log (accounts, units, sessions, the calendar, imports: AuditEntry)
and the login attempts the throttle keeps (recent ones only: `tick` purges them). Filtered by actor,
action, dates, target and proposal number; paged by keyset (time, source, id), never by OFFSET;
exported whole as CSV (UTF-8 with BOM) or .xlsx.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from flask_babel import gettext
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import Integer, String, and_, case, cast, literal, null, or_, select, tuple_, union_all

from workflow import LIFECYCLE
from workflow.errors import N_
from workflow.payload import message, whole_number

from ..access import visible_filter
from ..extensions import db
from ..i18n import event_label, state_label, translate
from ..models import (
    AuditEntry,
    CalendarOverride,
    CalendarYear,
    Category,
    CongressSession,
    HistoryEntry,
    OrgUnit,
    Proposal,
    User,
)
from ..models.login_attempt import LoginAttempt
from ..operations.clock import LOCAL
from .audit_details import SKIPPED, describe_details, unit_ids
from .tables import inert

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000

HISTORY_ACTIONS = {  # history rows that are not lifecycle events
    "create": N_("Draft written"),
    "edit": N_("Draft edited"),
    "attach": N_("Attachments added"),
    "detach": N_("Attachment removed"),
    "calendar": N_("Deadlines counted again on the year's official calendar"),
}
ADMIN_ACTIONS = {
    "user.create": N_("Account created"),
    "user.update": N_("Account changed"),
    "user.password_reset": N_("Password reset"),
    "user.password_change": N_("Password changed"),
    "user.password_reset_requested": N_("Password reset link requested"),
    "user.password_reset_by_link": N_("Password reset by link"),
    "user.activation_code_issued": N_("Activation code issued"),
    "user.activation_code_sent": N_("Activation code sent"),
    "user.activated": N_("Account activated with a code"),
    "user.activation_tried": N_("Activation code tried"),
    "activation_codes.issue": N_("Activation codes issued"),
    "user.disable": N_("Account disabled"),
    "user.enable": N_("Account enabled"),
    "unit.create": N_("Unit created"),
    "unit.update": N_("Unit changed"),
    "unit.deactivate": N_("Unit deactivated"),
    "unit.reactivate": N_("Unit reactivated"),
    "category.create": N_("Category created"),
    "category.update": N_("Category changed"),
    "union.rename": N_("Union renamed"),
    "union.create": N_("Grassroots union added"),
    "union.dashboard_thresholds": N_("Dashboard colours changed"),
    "session.create": N_("Session created"),
    "session.update": N_("Session changed"),
    "calendar.add": N_("Calendar day added"),
    "calendar.remove": N_("Calendar day removed"),
    "calendar.load": N_("Year's official calendar loaded"),
    "import.roster": N_("Roster imported"),
    "import.queued": N_("Large import handed to the task queue"),
    "proposal.message": N_("Message written on a proposal"),
    "import.proposals": N_("Proposals imported"),
    "login.succeeded": N_("Logged in"),
    "login.failed": N_("Failed login"),
    "login.directory_unavailable": N_("Company directory unreachable at login"),
    "directory.sync": N_("Synchronised with the company directory"),
    "login.provider": N_("Logged in through a sign-in provider"),
    "login.provider_refused": N_("Sign-in through a provider refused"),
    "user.external_link": N_("Account linked to a sign-in provider's account"),
    "outbox.retry": N_("Undelivered message sent again"),
    "second_factor.enrol": N_("Second factor set up"),
    "second_factor.disable": N_("Second factor turned off"),
    "second_factor.recovery_code": N_("Recovery code used"),
}
TARGETS = {
    "proposals": N_("Proposal"),
    "users": N_("Account"),
    "org_units": N_("Unit"),
    "categories": N_("Category"),
    "congress_sessions": N_("Session"),
    "calendar_overrides": N_("Calendar day"),
    "notifications": N_("Message"),
    "calendar_years": N_("Calendar year"),
    "import_jobs": N_("Import job"),
}
COLUMNS = ("at", "actor", "action", "target", "details", "address")
COLUMN_LABELS = {
    "at": N_("Time"),
    "actor": N_("Who"),
    "action": N_("Action"),
    "target": N_("Target"),
    "details": N_("Details"),
    "address": N_("Address"),
}


def actions() -> list[str]:
    """Every action the log knows, for the filter."""
    return [*LIFECYCLE.events, *HISTORY_ACTIONS, *ADMIN_ACTIONS]


def action_label(action: str) -> str:
    if action in HISTORY_ACTIONS:
        return gettext(HISTORY_ACTIONS[action])
    if action in ADMIN_ACTIONS:
        return gettext(ADMIN_ACTIONS[action])
    return event_label(action)


# -- filters -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    actor: str = ""  # a user name
    action: str = ""
    start: date | None = None  # local dates, both inclusive
    end: date | None = None
    target: str = ""  # a table name of TARGETS
    target_id: int | None = None
    session_id: int | None = None
    number: int | None = None  # a proposal's number (案号), in the session if one is chosen

    def args(self) -> dict:
        values = {
            "actor": self.actor,
            "action": self.action,
            "start": self.start.isoformat() if self.start else "",
            "end": self.end.isoformat() if self.end else "",
            "target": self.target,
            "target_id": self.target_id,
            "session": self.session_id,
            "number": self.number,
        }
        return {k: v for k, v in values.items() if v not in ("", None)}


@dataclass
class Parsed:
    filters: Filters
    errors: dict[str, str] = field(default_factory=dict)  # field: message, translated


def parse(args) -> Parsed:
    """The filters of a query string; a wrong value is named with a message, never ignored silently."""
    errors: dict[str, str] = {}

    def text(name: str, limit: int) -> str:
        return str(args.get(name) or "").strip()[:limit]

    def number(name: str) -> int | None:
        raw = text(name, 20)
        if not raw:
            return None
        number = whole_number(raw, maximum=2**31 - 1)
        if number is None or number < 0:
            errors[name] = translate(message(N_("Must be a whole number.")))
            return None
        return number

    def day(name: str) -> date | None:
        raw = text(name, 20)
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            errors[name] = translate(message(N_("Must be a date such as 2026-03-01.")))
            return None

    action = text("action", 40)
    if action and action not in actions():
        errors["action"] = translate(message(N_("Unknown action.")))
        action = ""
    target = text("target", 40)
    if target and target not in TARGETS:
        errors["target"] = translate(message(N_("Unknown kind of target.")))
        target = ""
    start, end = day("start"), day("end")
    if start and end and end < start:
        errors["end"] = translate(message(N_("Must not be before the start.")))
    filters = Filters(
        actor=text("actor", 80),
        action=action,
        start=start,
        end=end,
        target=target,
        target_id=number("target_id"),
        session_id=number("session"),
        number=number("number"),
    )
    return Parsed(filters, errors)


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), LOCAL).astimezone(UTC).replace(tzinfo=None)


# -- the one query -----------------------------------------------------------------------------------


def _union(reader: User):
    """The three records as one, each proposal's history only where `reader` may see the proposal
    (a draft is its author's alone, even to the union's staff)."""
    text_null, int_null = cast(null(), String(80)), cast(null(), Integer)
    history = select(
        literal("history").label("source"),
        HistoryEntry.id,
        HistoryEntry.at,
        HistoryEntry.actor_id,
        text_null.label("username"),
        HistoryEntry.event.label("action"),
        literal("proposals").label("target_type"),
        HistoryEntry.proposal_id.label("target_id"),
        cast(null(), String(64)).label("address"),
    ).where(HistoryEntry.proposal_id.in_(select(Proposal.id).where(visible_filter(reader))))
    admin = select(
        literal("audit"),
        AuditEntry.id,
        AuditEntry.at,
        AuditEntry.actor_id,
        text_null,
        AuditEntry.action,
        AuditEntry.target_type,
        AuditEntry.target_id,
        AuditEntry.address,
    )
    logins = select(
        literal("login"),
        LoginAttempt.id,
        LoginAttempt.at,
        int_null,
        LoginAttempt.username,
        case(
            # forgotten-password requests count in the login throttle under "reset:<name>" (auth/reset.py)
            (LoginAttempt.username.like("reset:%"), "user.password_reset_requested"),
            # tries of an activation code, under "activate:<name>" (auth/activation_pages.py)
            (LoginAttempt.username.like("activate:%"), "user.activation_tried"),
            (LoginAttempt.succeeded, "login.succeeded"),
            else_="login.failed",
        ),
        cast(null(), String(40)),
        int_null,
        LoginAttempt.address,
    )
    return union_all(history, admin, logins).subquery("log")


def _conditions(log, filters: Filters) -> list:
    conditions = []
    if filters.actor:
        user_id = db.session.scalar(select(User.id).where(User.username == filters.actor))
        by_name = log.c.username == filters.actor
        conditions.append(or_(log.c.actor_id == user_id, by_name) if user_id else by_name)
    if filters.action:
        conditions.append(log.c.action == filters.action)
    if filters.start:
        conditions.append(log.c.at >= _utc(filters.start))
    if filters.end:
        conditions.append(log.c.at < _utc(filters.end + timedelta(days=1)))
    if filters.target:
        conditions.append(log.c.target_type == filters.target)
    if filters.target_id is not None:
        conditions.append(log.c.target_id == filters.target_id)
    if filters.number is not None or filters.session_id is not None:
        numbered = select(Proposal.id)
        if filters.number is not None:
            numbered = numbered.where(Proposal.number == filters.number)
        if filters.session_id is not None:
            numbered = numbered.where(Proposal.session_id == filters.session_id)
        conditions.append(and_(log.c.target_type == "proposals", log.c.target_id.in_(numbered)))
    return conditions


def _key(row) -> str:
    return f"{row.at.isoformat()}|{row.source}|{row.id}"


def _after(log, cursor: str):
    """The condition "older than the cursor", or None for a cursor that is not one of ours."""
    try:
        at, source, ident = cursor.split("|")
        moment, number = datetime.fromisoformat(at), whole_number(ident)
    except ValueError:
        return None
    if number is None:
        return None
    return tuple_(log.c.at, log.c.source, log.c.id) < tuple_(literal(moment), literal(source), literal(number))


@dataclass(frozen=True)
class Page:
    entries: list[dict]
    next_after: str | None


def select_log(filters: Filters, reader: User, after: str | None = None):
    log = _union(reader)
    stmt = select(log).where(*_conditions(log, filters))
    if after:
        condition = _after(log, after)
        if condition is not None:
            stmt = stmt.where(condition)
    return stmt.order_by(log.c.at.desc(), log.c.source.desc(), log.c.id.desc())


def page(filters: Filters, reader: User, after: str | None = None) -> Page:
    """One page of the log as `reader` may see it, newest first, older than the `after` cursor."""
    rows = db.session.execute(select_log(filters, reader, after).limit(PAGE_SIZE + 1)).all()
    shown = rows[:PAGE_SIZE]
    more = len(rows) > PAGE_SIZE
    return Page(entries=describe(shown), next_after=_key(shown[-1]) if shown and more else None)


def everything(filters: Filters, reader: User) -> list[dict]:
    """The whole filtered log as `reader` may see it, for an export."""
    return describe(db.session.execute(select_log(filters, reader).limit(EXPORT_LIMIT)).all())


# -- reading the rows ----------------------------------------------------------------------------------


def _by_id(model, ids) -> dict:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))}


def describe(rows) -> list[dict]:
    """The rows as the page and the exports show them."""
    people = _by_id(User, [r.actor_id for r in rows])
    targets = {name: [r.target_id for r in rows if r.target_type == name] for name in TARGETS}
    proposals = _by_id(Proposal, targets["proposals"])
    sessions = _by_id(CongressSession, [p.session_id for p in proposals.values()] + targets["congress_sessions"])
    loaded = {
        "users": _by_id(User, targets["users"]),
        "org_units": _by_id(OrgUnit, targets["org_units"]),
        "calendar_overrides": _by_id(CalendarOverride, targets["calendar_overrides"]),
        "categories": _by_id(Category, targets["categories"]),
        "calendar_years": _by_id(CalendarYear, targets["calendar_years"]),
    }
    history = _by_id(HistoryEntry, [r.id for r in rows if r.source == "history"])
    admin = _by_id(AuditEntry, [r.id for r in rows if r.source == "audit"])
    said = [e.payload or {} for e in history.values()] + [e.details or {} for e in admin.values()]
    named = Named(
        {u.id: u.name for u in _by_id(OrgUnit, set().union(*map(unit_ids, said))).values()},
        {
            p.id: p.number
            for p in _by_id(Proposal, [d.get("into_id") for d in said if isinstance(d.get("into_id"), int)]).values()
        },
    )
    entries = []
    for row in rows:
        actor = people.get(row.actor_id)
        if actor is not None:
            who = f"{actor.name} ({actor.username})"
        elif row.username:
            who = row.username
        else:
            who = gettext("System")
        entries.append(
            {
                "key": _key(row),
                "at": row.at.replace(tzinfo=UTC).astimezone(LOCAL).replace(tzinfo=None),
                "actor": who,
                "actor_username": actor.username if actor else row.username,
                "action": action_label(row.action),
                "action_code": row.action,
                "target": _target(row, proposals, sessions, loaded),
                "proposal_id": row.target_id if row.target_type == "proposals" else None,
                "details": _details(row, history, admin, named),
                "address": row.address,
            }
        )
    return entries


def _target(row, proposals, sessions, loaded) -> str:
    if row.target_type is None:
        return ""
    kind = gettext(TARGETS[row.target_type]) if row.target_type in TARGETS else row.target_type
    if row.target_type == "proposals" and row.target_id in proposals:
        p = proposals[row.target_id]
        number = f"{sessions[p.session_id].code}-{p.number}" if p.number is not None else f"#{p.id}"
        return f"{kind} {number} {p.title}"
    if row.target_type == "congress_sessions" and row.target_id in sessions:
        return f"{kind} {sessions[row.target_id].name}"
    found = loaded.get(row.target_type, {}).get(row.target_id)
    if isinstance(found, User):
        return f"{kind} {found.name} ({found.username})"
    if isinstance(found, OrgUnit | Category):
        return f"{kind} {found.name}"
    if isinstance(found, CalendarOverride):
        return f"{kind} {found.day.isoformat()}"
    if isinstance(found, CalendarYear):
        return f"{kind} {found.year}"
    return f"{kind} #{row.target_id}"


class Named(NamedTuple):
    """The names the details of a page of rows refer to by id."""

    units: dict[int, str]
    proposals: dict[int, int | None]  # a merge target's number (None before it has one)


def _details(row, history, admin, named: Named) -> str:
    """The row's details as sentences (audit_details.describe_details), the same on the page and in exports."""
    if row.source == "history" and row.id in history:
        entry = history[row.id]
        parts = [entry.comment] if entry.comment else []
        if entry.from_state != entry.to_state and entry.from_state:
            parts.append(f"{state_label(entry.from_state)} → {state_label(entry.to_state)}")
        said = describe_details(entry.payload, units=named.units, proposals=named.proposals, skip=SKIPPED)
        return gettext("; ").join([*parts, said] if said else parts)
    if row.source == "audit" and row.id in admin:
        return describe_details(admin[row.id].details, units=named.units, proposals=named.proposals)
    return ""


# -- exports -------------------------------------------------------------------------------------------


def _cell_text(entry: dict, key: str) -> str:
    value = entry[key]
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def to_csv(entries: list[dict]) -> bytes:
    """CSV in UTF-8 with a byte order mark, so that Excel opens the Chinese text right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([gettext(COLUMN_LABELS[key]) for key in COLUMNS])
    for entry in entries:
        writer.writerow([inert(_cell_text(entry, key)) for key in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(entries: list[dict], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([gettext(COLUMN_LABELS[key]) for key in COLUMNS])
    for number, entry in enumerate(entries, start=2):
        for column, key in enumerate(COLUMNS, start=1):
            value = entry[key] if key == "at" else _cell_text(entry, key)
            cell = sheet.cell(number, column, value)
            if cell.data_type == "f":
                cell.data_type = "s"
            if key == "at":
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEF", (20, 24, 18, 40, 60, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
