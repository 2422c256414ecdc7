"""What an audit row's details say, as sentences ("延期 10 个工作日；并入第 49 号提案"), never `days: 10`.

One function, `describe_details`, for the audit page and its CSV and .xlsx exports alike: each key a
history row's payload or an administrative row's details may hold has its phrase here, its value read
as people read it (a department by its name, a merge target by its number, a rating by its label, yes
or no in words, a day as a date). A key without a phrase (one a later change adds) still reads as
"key：value" in the reader's punctuation, never as a raw dump.
"""

from collections.abc import Iterable, Mapping
from datetime import date

from flask_babel import format_date, gettext

from workflow.errors import N_

from ..i18n import role_label
from ..labels import choice_label, state_label
from ..settings import SETTINGS

# key -> msgid naming %(value)s
PHRASES = {
    # the lifecycle events' payloads (workflow/definition.py) and what their handlers record
    "reason": N_("reason: %(value)s"),
    "comment": N_("comment: %(value)s"),
    "note": N_("note: %(value)s"),
    "days": N_("extended by %(value)s working days"),
    "lead_department_id": N_("lead department: %(value)s"),
    "cohandler_department_ids": N_("co-handling departments: %(value)s"),
    "text": N_("reply: %(value)s"),
    "outcome": N_("reply class: %(value)s"),
    "contact": N_("contact: %(value)s"),
    "rating": N_("result of the handling: %(value)s"),
    "attitude": N_("attitude of the department: %(value)s"),
    "ack_deadline": N_("acknowledge by %(value)s"),
    "reply_deadline": N_("reply by %(value)s"),
    "rehandle_round": N_("handled again, round %(value)s"),
    "from_outcome": N_("reply class before: %(value)s"),
    "to_outcome": N_("reply class now: %(value)s"),
    "round": N_("reply of round %(value)s"),
    "asked_days": N_("%(value)s working days asked for"),
    "departments": N_("departments: %(value)s"),
    # administration (AuditEntry.details)
    "name": N_("name: %(value)s"),
    "code": N_("code: %(value)s"),
    "kind": N_("kind: %(value)s"),
    "username": N_("user name: %(value)s"),
    "email": N_("email: %(value)s"),
    "roles": N_("roles: %(value)s"),
    "department_id": N_("department: %(value)s"),
    "delegation_id": N_("delegation: %(value)s"),
    "parent_id": N_("part of: %(value)s"),
    "source": N_("from: %(value)s"),
    "provider": N_("signed in through: %(value)s"),
    "day": N_("day: %(value)s"),
    "year": N_("year: %(value)s"),
    "count": N_("%(value)s in all"),
    "created": N_("%(value)s proposals imported"),
    "states": N_("now standing at: %(value)s"),
    "left": N_("%(value)s recovery codes left"),
    "recovery_codes": N_("%(value)s recovery codes made"),
    "link": N_("reset link #%(value)s"),
}
# keys whose value is yes or no: key -> (msgid when true, msgid when false)
YES_NO = {
    "on_time": (N_("replied on time"), N_("replied late")),
    "working": (N_("a working day"), N_("a day off")),
    "must_change_password": (N_("must change the password at the next sign-in"), N_("no change of password asked")),
    "generated": (N_("a password made by the system"), N_("a password chosen by the administrator")),
    "initial": (N_("the first password replaced"), N_("a password replaced")),
    "active": (N_("active"), N_("inactive")),
}
UNITS = ("lead_department_id", "cohandler_department_ids", "department_id", "delegation_id", "parent_id", "departments")
CHOICES = ("outcome", "rating", "attitude", "from_outcome", "to_outcome")
DATES = ("ack_deadline", "reply_deadline", "day")
SETTING_LABELS = {s.name: s.label for s in SETTINGS}
SKIPPED = ("comment", "note")  # a history row's comment is shown first, on its own
# an extension's deadline of each assignment (the lead's is its ack_deadline or reply_deadline): kept in the
# history, not repeated in the audit's sentence
SKIPPED += ("deadlines",)


def unit_ids(details: Mapping) -> set[int]:
    """The departments and delegations `details` names by id (to load their names at once)."""
    found = set()
    for key in UNITS:
        value = details.get(key)
        for one in value if isinstance(value, list) else [value]:
            if isinstance(one, int) and not isinstance(one, bool):
                found.add(one)
    return found


def describe_details(
    details: Mapping | None, *, units: Mapping[int, str], proposals: Mapping[int, int | None], skip: Iterable[str] = ()
) -> str:
    """`details` as one line of sentences in the current language; `units` names departments and
    delegations by id, `proposals` gives a merge target's number by its id (None before it has one)."""
    parts = []
    for key, value in (details or {}).items():
        if key in skip or value in (None, "", []):
            continue
        parts.append(_phrase(key, value, units, proposals))
    return gettext("; ").join(parts)


def _phrase(key: str, value, units, proposals) -> str:
    if key in YES_NO:
        return gettext(YES_NO[key][0] if value else YES_NO[key][1])
    if key == "into_id":
        number = proposals.get(value)
        if number is not None:
            return gettext("merged into proposal No. %(value)s", value=number)
        return gettext("merged into proposal #%(value)s", value=value)
    if key in PHRASES:
        return gettext(PHRASES[key], value=_value(key, value, units))
    label = gettext(SETTING_LABELS[key]) if key in SETTING_LABELS else key
    return gettext("%(label)s: %(value)s", label=label, value=_value(key, value, units))


def _value(key: str, value, units) -> str:
    if key in UNITS:
        names = [units.get(v, f"#{v}") for v in (value if isinstance(value, list) else [value])]
        return gettext(", ").join(names)
    if key in CHOICES and isinstance(value, str):
        return choice_label(value)
    if key == "roles" and isinstance(value, list):
        return gettext(", ").join(role_label(r) for r in value)
    if key == "states" and isinstance(value, dict):
        return gettext(", ").join(f"{state_label(s)} {n}" for s, n in value.items())
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, str) and len(value) == 10 and (key in DATES or key in SETTING_LABELS):
        try:
            return format_date(date.fromisoformat(value), "long")
        except ValueError:
            return value
    if isinstance(value, list):
        return gettext(", ").join(str(v) for v in value)
    if isinstance(value, dict):
        return gettext("; ").join(f"{k} {v}" for k, v in value.items())
    return str(value)
