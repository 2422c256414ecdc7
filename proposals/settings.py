"""The settings of a congress session, one line each.

A line names the setting, its kind with its bounds or choices, its default (DOMAIN.md's), its label and
hint (English msgids, translated in the catalogues) and the group of the session form it stands in.
Everything else is made from this table: the model's columns and defaults and their CHECK constraints
(proposals/models/congress.py), the validation of the operations (proposals/operations/sessions.py), the
session form and its groups (proposals/web/admin/forms.py and templates/admin/session_form.html), and
the API's answer, body and OpenAPI schema (proposals/api/). A new setting is a line here, its
translations and a migration adding its column.

The kinds are payload fields (workflow/payload.py) that also know their column and their CHECK: a whole
number between bounds, a fraction between bounds, a yes/no, a day, one of some choices, some of them.
"""

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from workflow.errors import N_
from workflow.payload import Boolean, Choice, Day, Field, Integer


@dataclass(frozen=True)
class Date(Day):
    """A day, as payload.Day checks it, kept as a date."""

    def clean(self, value):
        return date.fromisoformat(super().clean(value))


@dataclass(frozen=True)
class Fraction(Field):
    """A share such as 0.5, between the bounds."""

    minimum: float = 0.0
    maximum: float = 1.0

    def clean(self, value):
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:  # (NaN)
            raise ValueError(N_("Must be a number such as 0.5."))
        if not self.minimum <= value <= self.maximum:
            raise ValueError(N_("Must be between %(min)s and %(max)s."), {"min": self.minimum, "max": self.maximum})
        return float(value)

    def describe(self) -> dict:
        return {"type": "number", "minimum": self.minimum, "maximum": self.maximum}


@dataclass(frozen=True)
class OneOf(Choice):
    """One of the choices; `labels` are their msgids, in the same order."""

    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class SomeOf(Field):
    """Some of the choices, at least one, each once; kept in the order of the choices."""

    choices: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()

    def clean(self, value):
        if not isinstance(value, list) or any(v not in self.choices for v in value):
            raise ValueError(N_("Choose from: %(choices)s."), {"choices": ", ".join(self.choices)})
        if len(set(value)) != len(value):
            raise ValueError(N_("Each item may appear once."))
        return [c for c in self.choices if c in value]

    def describe(self) -> dict:
        return {
            "type": "array",
            "items": {"type": "string", "enum": list(self.choices)},
            "minItems": 1,
            "uniqueItems": True,
        }


OUTCOME_REQUIREMENTS = {
    "planned_date": N_("a planned date"),
    "reason": N_("why it cannot be solved now"),
}
CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{0,9}$")
# DOMAIN's three classes; a union with four (A/B/C/D) names its own in the session's settings. The labels of
# these are msgids (shown translated); a union's own labels are shown as it wrote them.
DEFAULT_OUTCOME_CLASSES = (
    {"code": "A", "label": N_("A: solved or adopted"), "requires": []},
    {"code": "B", "label": N_("B: being solved, or planned with a date"), "requires": ["planned_date"]},
    {"code": "C", "label": N_("C: cannot be solved now, kept for reference"), "requires": ["reason"]},
)


@dataclass(frozen=True)
class OutcomeClasses(Field):
    """The classes a reply may be given (答复分类): a list of {"code", "label", "requires"}, codes unique,
    `requires` naming what a reply of that class must also give (OUTCOME_REQUIREMENTS)."""

    def clean(self, value):
        if not isinstance(value, list) or not 1 <= len(value) <= 10:
            raise ValueError(N_("Give between 1 and 10 classes."))
        classes, codes = [], set()
        for item in value:
            if not isinstance(item, dict) or set(item) - {"code", "label", "requires"}:
                raise ValueError(N_("Each class is an object with code, label and requires."))
            code, label, requires = item.get("code"), item.get("label"), item.get("requires", [])
            if not isinstance(code, str) or not CODE_PATTERN.match(code):
                raise ValueError(N_("A class code is a capital letter, then up to 9 capitals or digits."))
            if code in codes:
                raise ValueError(N_("The class %(code)s is named twice."), {"code": code})
            if not isinstance(label, str) or not label.strip() or len(label) > 100:
                raise ValueError(N_("Each class needs a label of at most 100 characters."))
            if not isinstance(requires, list) or any(r not in OUTCOME_REQUIREMENTS for r in requires):
                raise ValueError(
                    N_("A class may require only: %(choices)s."), {"choices": ", ".join(OUTCOME_REQUIREMENTS)}
                )
            codes.add(code)
            classes.append(
                {"code": code, "label": label.strip(), "requires": [r for r in OUTCOME_REQUIREMENTS if r in requires]}
            )
        return classes

    def describe(self) -> dict:
        return {
            "type": "array",
            "minItems": 1,
            "maxItems": 10,
            "items": {
                "type": "object",
                "required": ["code", "label"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string", "pattern": CODE_PATTERN.pattern},
                    "label": {"type": "string", "maxLength": 100},
                    "requires": {"type": "array", "items": {"type": "string", "enum": list(OUTCOME_REQUIREMENTS)}},
                },
            },
        }


def one_of(labels: dict[str, str]) -> OneOf:
    """One of `labels`' keys (value: its msgid)."""
    return OneOf(choices=tuple(labels), labels=tuple(labels.values()))


def some_of(labels: dict[str, str]) -> SomeOf:
    """Some of `labels`' keys (value: its msgid)."""
    return SomeOf(choices=tuple(labels), labels=tuple(labels.values()))


# the groups of the session form, in order: (name, legend, note) as msgids
GROUPS = (
    ("session", N_("The session"), None),
    ("dates", N_("Dates"), None),
    (
        "procedure",
        N_("Who may propose, and with whom"),
        N_("As the union's own rules for proposals say (提案工作办法); the presets above fill these in."),
    ),
    (
        "rules",
        N_("Rules and deadlines"),
        N_("Deadlines count working days on the Chinese calendar, with the union's own days."),
    ),
)


@dataclass(frozen=True)
class Setting:
    name: str
    field: Field
    default: object  # None: the setting may be unset (a date not yet fixed)
    label: str
    hint: str
    group: str

    @property
    def nullable(self) -> bool:
        return self.default is None

    @property
    def required_in_form(self) -> bool:
        """A form that gives every setting must fill this one (a box not ticked is a no, a day may stay empty)."""
        return not self.nullable and not isinstance(self.field, Boolean)

    def column_type(self) -> sa.types.TypeEngine:
        field = self.field
        if isinstance(field, Boolean):
            return sa.Boolean()
        if isinstance(field, Integer):
            return sa.Integer()
        if isinstance(field, Fraction):
            return sa.Float()
        if isinstance(field, Date):
            return sa.Date()
        if isinstance(field, Choice):
            return sa.String(max(len(c) for c in field.choices))
        if isinstance(field, SomeOf | OutcomeClasses):
            return sa.JSON()
        raise TypeError(f"setting {self.name}: no column for {type(field).__name__}")

    def check(self) -> str | None:
        """The CHECK expression the database keeps the setting within (None: its type suffices)."""
        field, name = self.field, self.name
        if isinstance(field, Integer | Fraction):
            return f"{name} >= {field.minimum} AND {name} <= {field.maximum}"
        if isinstance(field, Choice):
            return f"{name} IN ({', '.join(repr(c) for c in field.choices)})"
        return None

    def to_json(self, value):
        return value.isoformat() if isinstance(value, date) else value

    def schema(self) -> dict:
        described = {**self.field.describe(), "description": self.hint}
        if self.nullable:
            described["type"] = [described["type"], "null"]
        return described


SETTINGS: tuple[Setting, ...] = (
    # -- the session
    Setting(
        "is_open",
        Boolean(),
        True,
        N_("Open for proposals"),
        N_("Workers can submit proposals to an open session; close it when the collection is over."),
        "session",
    ),
    # -- dates
    Setting(
        "collection_start",
        Date(),
        None,
        N_("Collection starts"),
        N_("First day of the collection window (征集期)."),
        "dates",
    ),
    Setting("collection_end", Date(), None, N_("Collection ends"), N_("Last day of the collection window."), "dates"),
    Setting(
        "cosign_deadline",
        Date(),
        None,
        N_("Co-signing deadline"),
        N_("What still has too few co-signers after this day goes to review as a suggestion, not as a proposal."),
        "dates",
    ),
    Setting(
        "vote_start",
        Date(),
        None,
        N_("Voting starts"),
        N_("First day delegates can vote for outstanding proposals."),
        "dates",
    ),
    Setting(
        "vote_end", Date(), None, N_("Voting ends"), N_("Last day of the vote for outstanding proposals."), "dates"
    ),
    # -- who may propose, and with whom (proposals/presets.py fills these in as published rules have them)
    Setting(
        "proposers",
        one_of({"workers": N_("Every worker"), "delegates": N_("Delegates only")}),
        "workers",
        N_("Who may submit"),
        N_("Anyone may keep a draft; with “delegates only” a worker who is not a delegate cannot submit it."),
        "procedure",
    ),
    Setting(
        "min_cosigner_delegations",
        Integer(minimum=0, maximum=20),
        0,
        N_("Delegations among the co-signers"),
        N_("How many different delegations the co-signers must come from before a proposal moves on (0: any)."),
        "procedure",
    ),
    Setting(
        "delegation_share",
        Fraction(minimum=0.0, maximum=1.0),
        0.5,
        N_("Share of a delegation"),
        N_(
            "A delegation proposal (代表团提案) moves on when this share of its delegation's delegates, "
            "the head aside, has co-signed (rounded up)."
        ),
        "procedure",
    ),
    Setting(
        "late_submissions",
        one_of(
            {
                "accept": N_("Accept them as proposals"),
                "suggestion": N_("Take them as suggestions"),
                "refuse": N_("Refuse them"),
            }
        ),
        "accept",
        N_("Submissions after the collection window"),
        N_("What a proposal first submitted after the collection ends becomes while the session is open."),
        "procedure",
    ),
    # -- rules and deadlines
    Setting(
        "min_cosigners",
        Integer(minimum=0, maximum=100),
        2,
        N_("Co-signers needed"),
        N_("Delegates other than the author who must co-sign before a proposal reaches review."),
        "rules",
    ),
    Setting(
        "ack_days",
        Integer(minimum=1, maximum=365),
        5,
        N_("Days to acknowledge"),
        N_("Working days a department has to acknowledge an assignment."),
        "rules",
    ),
    Setting(
        "reply_days",
        Integer(minimum=1, maximum=365),
        30,
        N_("Days to reply"),
        N_("Working days from the assignment to the department's reply."),
        "rules",
    ),
    Setting(
        "decline_days",
        Integer(minimum=0, maximum=60),
        5,
        N_("Days to return an assignment"),
        N_(
            "Working days from the assignment within which the lead department may return it itself; after that it "
            "asks the committee."
        ),
        "rules",
    ),
    Setting(
        "feedback_days",
        Integer(minimum=1, maximum=365),
        15,
        N_("Days to rate"),
        N_("Working days the author has to rate a reply; after that it closes as “no response”."),
        "rules",
    ),
    Setting(
        "max_rehandle",
        Integer(minimum=0, maximum=10),
        2,
        N_("Rounds of re-handling"),
        N_("How often an unsatisfied author can send a reply back; after that it closes as unsatisfied."),
        "rules",
    ),
    Setting(
        "remind_days_before",
        Integer(minimum=0, maximum=30),
        3,
        N_("Reminder before a deadline"),
        N_("Working days before a deadline when the department is reminded."),
        "rules",
    ),
    Setting(
        "vote_limit",
        Integer(minimum=0, maximum=100),
        5,
        N_("Votes per delegate"),
        N_("How many proposals each delegate may vote for as outstanding."),
        "rules",
    ),
    Setting(
        "delegation_review",
        Boolean(),
        False,
        N_("Delegation pre-review"),
        N_("The delegation head forwards or sends back each proposal before the committee reviews it."),
        "rules",
    ),
    Setting(
        "delegation_review_days",
        Integer(minimum=1, maximum=60),
        5,
        N_("Days for pre-review"),
        N_("Working days the delegation head has to pre-review; after that the committee can act on it itself."),
        "rules",
    ),
    Setting(
        "key_remind_days_before",
        Integer(minimum=0, maximum=30),
        5,
        N_("Reminder before a deadline of a key proposal"),
        N_("Working days before a deadline of a key proposal (重点提案) when the department is reminded."),
        "rules",
    ),
    Setting(
        "countersign_days",
        Integer(minimum=1, maximum=60),
        5,
        N_("Days to countersign"),
        N_("Working days a co-handling department has to countersign the lead department's draft reply."),
        "rules",
    ),
    Setting(
        "reply_approval",
        one_of(
            {"none": N_("No approval"), "supervisor": N_("The supervisor"), "committee": N_("The proposal committee")}
        ),
        "none",
        N_("Who approves a reply"),
        N_("A countersigned draft reply goes out at once, or waits for the supervisor's or the committee's approval."),
        "rules",
    ),
    Setting(
        "outcome_classes",
        OutcomeClasses(),
        [dict(c) for c in DEFAULT_OUTCOME_CLASSES],
        N_("Reply classes"),
        N_("The classes a reply is given, one per line as “code | label | requirements” (planned_date, reason)."),
        "rules",
    ),
    Setting(
        "two_axis_rating",
        Boolean(),
        False,
        N_("Rate attitude and result"),
        N_(
            "Raters judge the department's attitude (办理态度) as well as the result of the handling (办理结果); "
            "both are then required. Off: the result alone."
        ),
        "rules",
    ),
)


def check_table(table: Iterable[Setting]) -> None:
    """Refuse a table with a name twice, an unknown group, or a default its own field would refuse."""
    names: set[str] = set()
    groups = {g for g, _, _ in GROUPS}
    for s in table:
        problems = []
        if s.name in names:
            problems.append("named twice")
        if s.group not in groups:
            problems.append(f"unknown group {s.group!r}")
        if s.default is not None and not isinstance(s.field, Date):
            try:
                s.field.clean(s.default)
            except ValueError as exc:
                problems.append(f"default {s.default!r} refused: {exc.args[0]}")
        if isinstance(s.field, OneOf | SomeOf) and len(s.field.labels) != len(s.field.choices):
            problems.append("a label for each choice")
        if problems:
            raise ValueError(f"setting {s.name}: " + "; ".join(problems))
        names.add(s.name)


check_table(SETTINGS)


def defaults(table: Iterable[Setting] = SETTINGS) -> dict:
    """Each setting's default (a new session's form starts with them)."""
    return {s.name: s.default for s in table}


def fields(table: Iterable[Setting] = SETTINGS) -> dict[str, Field]:
    """The payload fields that validate the settings, none required (a change names what it changes)."""
    return {s.name: s.field for s in table}


def dates(table: Iterable[Setting] = SETTINGS) -> tuple[str, ...]:
    return tuple(s.name for s in table if isinstance(s.field, Date))


def by_group(table: Iterable[Setting] = SETTINGS) -> list[tuple[str, str, str | None, list[Setting]]]:
    """The settings by the group they stand in, in the order of GROUPS: (name, legend, note, settings)."""
    table = tuple(table)
    return [(g, legend, note, [s for s in table if s.group == g]) for g, legend, note in GROUPS]


def columns(table: Iterable[Setting] = SETTINGS) -> type:
    """A declarative mixin with a column per setting, its default and its CHECK constraint."""
    from sqlalchemy.orm import declared_attr, mapped_column

    table = tuple(table)
    attrs: dict = {s.name: mapped_column(s.column_type(), nullable=s.nullable, default=_default(s)) for s in table}

    def __table_args__(cls):  # noqa: N807  (a declared attribute of the mixin)
        checks = tuple(sa.CheckConstraint(s.check(), name=s.name) for s in table if s.check())
        return checks + tuple(getattr(cls, "__extra_table_args__", ()))

    attrs["__table_args__"] = declared_attr(__table_args__)
    return type("SessionSettings", (), attrs)


def _default(setting: Setting):
    if isinstance(setting.default, list | tuple):  # a list is copied for each new row, never shared
        value = copy.deepcopy(tuple(setting.default))
        return lambda: copy.deepcopy(list(value))
    return setting.default
