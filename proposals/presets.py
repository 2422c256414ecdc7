"""Presets of a session's procedure: the settings published rules ask for, filled in by one choice.

Each preset names some settings of the one table (proposals/settings.py) and their values; choosing it
on the session form (its buttons, static/js/presets.js) or as `"preset"` on POST/PATCH
/api/v1/sessions fills them in, and the union may change any of them after. Settings given together
with a preset win over it.
"""

from dataclasses import dataclass

from workflow.errors import N_
from workflow.payload import Choice

from .settings import SETTINGS


@dataclass(frozen=True)
class Preset:
    name: str
    label: str  # msgid
    hint: str  # msgid: whose rules it follows
    values: dict


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "workers_congress",
            N_("Workers' congress (职代会)"),
            N_("Every worker may propose; two delegates co-sign; late proposals are accepted."),
            {
                "proposers": "workers",
                "min_cosigners": 2,
                "min_cosigner_delegations": 0,
                "late_submissions": "accept",
                "delegation_review": False,
                "two_axis_rating": True,
            },
        ),
        Preset(
            "teachers_congress",
            N_("Teachers' congress (教代会)"),
            N_("Only delegates propose; two delegates co-sign; late proposals become suggestions."),
            {
                "proposers": "delegates",
                "min_cosigners": 2,
                "min_cosigner_delegations": 0,
                "late_submissions": "suggestion",
                "delegation_review": False,
                "two_axis_rating": True,
            },
        ),
        Preset(
            "strict",
            N_("Strict"),
            N_(
                "Only delegates propose; three co-signers from two delegations; late proposals are refused; "
                "delegations pre-review."
            ),
            {
                "proposers": "delegates",
                "min_cosigners": 3,
                "min_cosigner_delegations": 2,
                "late_submissions": "refuse",
                "delegation_review": True,
                "two_axis_rating": True,
            },
        ),
    )
}
DEFAULT = "workers_congress"
FIELD = Choice(choices=tuple(PRESETS))  # the `preset` of a session's body


def _check() -> None:
    """Every value of a preset is a setting's, and one its field takes."""
    table = {s.name: s for s in SETTINGS}
    for preset in PRESETS.values():
        for name, value in preset.values.items():
            if name not in table:
                raise ValueError(f"preset {preset.name}: no setting {name!r}")
            table[name].field.clean(value)


_check()


def with_preset(data):
    """The body of a session's change with its preset's values filled in under what it gives itself; a
    body that is not an object, or names no preset, is left as it is (the validation says what is wrong)."""
    if not isinstance(data, dict) or "preset" not in data:
        return data
    name = data["preset"]
    given = {k: v for k, v in data.items() if k != "preset"}
    if not isinstance(name, str) or name not in PRESETS:
        return data  # refused by FIELD, with the other fields
    return PRESETS[name].values | given
