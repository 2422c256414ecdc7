"""Declarative payload fields of events and their validation."""

import re
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from .errors import N_, InvalidPayload

# Two kinds of text, each defined here once: what the API, the pages, the imports and the CLI take.
# Multi-line text (reasons, measures, replies, comments) keeps tab and line breaks; single-line text
# (titles, names, codes, user names, contact, search words) takes no control character at all. Neither
# takes NUL (PostgreSQL cannot store it), the other C0 controls, DEL or the C1 controls.
MULTILINE_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
LINE_CONTROL = "\x00-\x1f\x7f-\x9f\u2028\u2029"  # the Unicode line and paragraph separators too
_BREAKS = re.compile("[\t\n\r\x0b\x0c\x85\u2028\u2029]")
_SURROGATE = re.compile("[\ud800-\udfff]")

# the largest whole number a 64-bit integer holds: no number a person sends is read beyond it
INT64_MAX = 2**63 - 1


def whole_number(raw, maximum: int = INT64_MAX) -> int | None:
    """The whole number `raw` spells in ASCII digits (a sign allowed), or None when it is none or lies
    outside -maximum..maximum: a number typed into a page or a query string is read only here."""
    raw = str(raw).strip()
    if not re.fullmatch(r"[+-]?[0-9]{1,19}", raw, flags=re.ASCII):
        return None
    number = int(raw, 10)
    return number if -maximum <= number <= maximum else None


def text_problem(value: str, *, multiline: bool) -> tuple[str, dict] | None:
    """Why `value` is not text of this kind, as (msgid, params); None when it is."""
    bad = re.search(f"[{MULTILINE_CONTROL if multiline else LINE_CONTROL}]", value)
    if bad:
        if not multiline and _BREAKS.match(bad.group()):
            return (N_("Must be on one line: no line breaks or tabs."), {})
        return (N_("Contains control characters."), {})
    if _SURROGATE.search(value):  # half of a UTF-16 pair, as JSON can send it: no character at all
        return (N_("Contains characters that are not valid text."), {})
    return None


@dataclass(frozen=True)
class Field:
    required: bool = False

    def clean(self, value):
        raise NotImplementedError

    def describe(self) -> dict:
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Field):
    """Multi-line text: a reason, measures, a reply, a comment."""

    max_length: int = 2000
    multiline: ClassVar[bool] = True

    def clean(self, value):
        if not isinstance(value, str):
            raise ValueError(N_("Must be text."))
        value = value.strip()
        if len(value) > self.max_length:  # first: the character checks below read every character
            raise ValueError(N_("At most %(max)d characters."), {"max": self.max_length})
        problem = text_problem(value, multiline=self.multiline)
        if problem:
            raise ValueError(*problem)
        return value

    def describe(self) -> dict:
        control = MULTILINE_CONTROL if self.multiline else LINE_CONTROL
        pattern = "^[^" + control.encode("unicode_escape").decode().replace("\\x", "\\u00") + "]*$"
        return {"type": "string", "maxLength": self.max_length, "pattern": pattern}


@dataclass(frozen=True)
class Line(Text):
    """Single-line text: a title, a name, a code, a user name, a contact, search words."""

    max_length: int = 200
    multiline: ClassVar[bool] = False


@dataclass(frozen=True)
class Boolean(Field):
    def clean(self, value):
        if not isinstance(value, bool):
            raise ValueError(N_("Must be true or false."))
        return value

    def describe(self) -> dict:
        return {"type": "boolean"}


@dataclass(frozen=True)
class Code(Line):
    """A short code from a list the session's settings hold (`setting`, e.g. outcome_classes): the engine
    takes any code; the application checks it against the proposal's session and shows that list."""

    max_length: int = 10
    setting: str = ""


@dataclass(frozen=True)
class Day(Field):
    """A calendar day, as 2026-03-01."""

    def clean(self, value):
        try:
            return date.fromisoformat(value).isoformat()
        except (TypeError, ValueError):
            raise ValueError(N_("Must be a date such as 2026-03-01.")) from None

    def describe(self) -> dict:
        return {"type": "string", "format": "date"}


@dataclass(frozen=True)
class Choice(Field):
    choices: tuple[str, ...] = ()

    def clean(self, value):
        if value not in self.choices:
            raise ValueError(N_("Must be one of: %(choices)s."), {"choices": ", ".join(self.choices)})
        return value

    def describe(self) -> dict:
        return {"type": "string", "enum": list(self.choices)}


@dataclass(frozen=True)
class Integer(Field):
    minimum: int = 1
    maximum: int = 2**31 - 1

    def clean(self, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(N_("Must be a whole number."))
        if not self.minimum <= value <= self.maximum:
            raise ValueError(N_("Must be between %(min)d and %(max)d."), {"min": self.minimum, "max": self.maximum})
        return value

    def describe(self) -> dict:
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}


@dataclass(frozen=True)
class IntegerList(Field):
    max_items: int = 20

    def clean(self, value):
        if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
            raise ValueError(N_("Must be a list of whole numbers."))
        if len(value) > self.max_items:
            raise ValueError(N_("At most %(max)d items."), {"max": self.max_items})
        if len(set(value)) != len(value):
            raise ValueError(N_("Each item may appear once."))
        if any(not 1 <= v <= 2**31 - 1 for v in value):
            raise ValueError(N_("Unknown item."))
        return value

    def describe(self) -> dict:
        return {"type": "array", "items": {"type": "integer"}, "maxItems": self.max_items}


UNKNOWN_NAMED = 10  # unknown fields named one by one in a refusal; the others are counted


def message(msgid: str, params: dict | None = None) -> tuple[str, dict]:
    """A translatable message: its msgid and the values to put in it."""
    return (msgid, params or {})


def absent(value) -> bool:
    """Whether a payload's value counts as not given: nothing, blank text or an empty list."""
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def validate(spec: dict[str, Field], payload) -> dict:
    """Return the cleaned payload or raise InvalidPayload naming each wrong field."""
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise InvalidPayload({"_": message(N_("The payload must be an object."))})
    errors: dict[str, tuple[str, dict]] = {}
    clean: dict = {}
    unknown = [name for name in payload if name not in spec]
    for name in unknown[:UNKNOWN_NAMED]:  # a body of 100,000 unknown keys gets an answer of a few lines
        errors[name] = message(N_("Unknown field."))
    if len(unknown) > UNKNOWN_NAMED:
        errors["_"] = message(N_("And %(count)d more unknown fields."), {"count": len(unknown) - UNKNOWN_NAMED})
    for name, field in spec.items():
        value = payload.get(name)
        if absent(value):
            if field.required:
                errors[name] = message(N_("This field is required."))
            continue
        try:
            clean[name] = field.clean(value)
        except ValueError as exc:
            errors[name] = message(*exc.args)
    if errors:
        raise InvalidPayload(errors)
    return clean
