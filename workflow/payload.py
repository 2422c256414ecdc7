"""Declarative payload fields of events and their validation."""

import re
from dataclasses import dataclass

from .errors import N_, InvalidPayload

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters but tab and line breaks
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Field:
    required: bool = False

    def clean(self, value):
        raise NotImplementedError

    def describe(self) -> dict:
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Field):
    max_length: int = 2000

    def clean(self, value):
        if not isinstance(value, str):
            raise ValueError(N_("Must be text."))
        value = value.strip()
        if len(value) > self.max_length:  # first: the character checks below read every character
            raise ValueError(N_("At most %(max)d characters."), {"max": self.max_length})
        if _CONTROL.search(value):
            raise ValueError(N_("Contains control characters."))
        if _SURROGATE.search(value):  # half of a UTF-16 pair, as JSON can send it: no character at all
            raise ValueError(N_("Contains characters that are not valid text."))
        return value

    def describe(self) -> dict:
        return {"type": "string", "maxLength": self.max_length}


@dataclass(frozen=True)
class Boolean(Field):
    def clean(self, value):
        if not isinstance(value, bool):
            raise ValueError(N_("Must be true or false."))
        return value

    def describe(self) -> dict:
        return {"type": "boolean"}


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


def message(msgid: str, params: dict | None = None) -> tuple[str, dict]:
    """A translatable message: its msgid and the values to put in it."""
    return (msgid, params or {})


def validate(spec: dict[str, Field], payload) -> dict:
    """Return the cleaned payload or raise InvalidPayload naming each wrong field."""
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise InvalidPayload({"_": message(N_("The payload must be an object."))})
    errors: dict[str, tuple[str, dict]] = {}
    clean: dict = {}
    for name in payload:
        if name not in spec:
            errors[name] = message(N_("Unknown field."))
    for name, field in spec.items():
        value = payload.get(name)
        if value is None or (isinstance(value, str) and not value.strip()) or value == []:
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
