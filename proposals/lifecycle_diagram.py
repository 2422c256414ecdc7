"""The lifecycle in force for a session, drawn as an SVG by the application (never a CDN, no script).

The states and the ways between them are the lifecycle's (workflow/definition.py); a session's settings
turn some steps off (no delegation pre-review, nothing to co-sign), which are greyed with the ways into
and out of them, and its rules of submission stand as notes beside the steps they govern. The main way
runs down the left; a way forward that skips a step is an arc on its left, a way back an arc on its
right; the states off the main way (withdrawn, rejected, merged) stand in a second column.
"""

from flask_babel import gettext
from markupsafe import Markup, escape

from workflow import LIFECYCLE, Lifecycle
from workflow.errors import N_

from .i18n import state_label

ROW, BOX_W, BOX_H = 54, 170, 34
MAIN_X, SIDE_X, NOTE_X, TOP = 70, 340, 500, 16
WIDTH = 820

PROPOSERS = {"workers": N_("Submitted by: every worker"), "delegates": N_("Submitted by: delegates only")}
LATE = {
    "accept": N_("After the collection window: accepted"),
    "suggestion": N_("After the collection window: a suggestion"),
    "refuse": N_("After the collection window: refused"),
}


def off_states(session) -> set[str]:
    """The steps this session's settings turn off."""
    off = set()
    if not session.delegation_review:
        off.add("delegation_review")
    if session.min_cosigners == 0 and session.min_cosigner_delegations == 0 and session.delegation_share == 0:
        off.add("cosigning")
    return off


def notes(session) -> dict[str, list[str]]:
    """What the session's rules say of a step, translated, by state."""
    cosigning = [
        gettext("At least %(n)s co-signers", n=session.min_cosigners),
    ]
    if session.min_cosigner_delegations:
        cosigning.append(gettext("from at least %(n)s delegations", n=session.min_cosigner_delegations))
    cosigning.append(
        gettext("Delegation proposals: %(share)s%% of the delegation", share=round(session.delegation_share * 100))
    )
    return {
        "draft": [gettext(PROPOSERS[session.proposers]), gettext(LATE[session.late_submissions])],
        "cosigning": cosigning,
    }


def _edges(lifecycle: Lifecycle) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    for event in lifecycle.events.values():
        for t in event.transitions:
            for source in t.sources:
                if t.dest and t.dest != source and (source, t.dest) not in seen:
                    seen.append((source, t.dest))
    return seen


def svg(session, lifecycle: Lifecycle = LIFECYCLE) -> Markup:
    off = off_states(session)
    main = list(lifecycle.main_way)
    edges = _edges(lifecycle)
    # each state off the main way beside the first step that leads to it
    first = {
        s: min((main.index(a) for a, b in edges if b == s and a in main), default=len(main)) for s in lifecycle.states
    }
    side = sorted((s for s in lifecycle.states if s not in main), key=lambda s: first[s])
    place: dict[str, tuple[float, float]] = {s: (MAIN_X, TOP + i * ROW) for i, s in enumerate(main)}
    for i, s in enumerate(side):
        place[s] = (SIDE_X, TOP + (1 + 2 * i) * ROW)
    height = TOP * 2 + max(y for _, y in place.values()) + BOX_H
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lifecycle-diagram" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="lifecycle-title">',
        f'<title id="lifecycle-title">{escape(gettext("The lifecycle of a proposal in this session"))}</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="currentColor"/></marker></defs>',
    ]
    for source, dest in edges:
        parts.append(_edge(source, dest, place, main, source in off or dest in off))
    for state, (x, y) in place.items():
        cls = "step off" if state in off else ("step final" if lifecycle.states[state].get("final") else "step")
        parts.append(
            f'<g class="{cls}" data-state="{escape(state)}"><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" '
            f'rx="6"/><text x="{x + BOX_W / 2}" y="{y + BOX_H / 2 + 5}" text-anchor="middle">'
            f"{escape(state_label(state))}</text></g>"
        )
    for state, lines in notes(session).items():
        x, y = place[state]
        for i, line in enumerate(lines):
            cls = "note off" if state in off else "note"
            parts.append(f'<text class="{cls}" x="{NOTE_X}" y="{y + 12 + i * 15}">{escape(line)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _edge(source: str, dest: str, place: dict, main: list[str], off: bool) -> str:
    (x1, y1), (x2, y2) = place[source], place[dest]
    cls = "way off" if off else "way"
    if source in main and dest in main:
        i, j = main.index(source), main.index(dest)
        if j == i + 1:  # the next step: straight down
            cx = x1 + BOX_W / 2
            d = f"M{cx},{y1 + BOX_H} L{cx},{y2}"
        elif j > i:  # a step skipped: an arc on the left
            bend = x1 - 14 * (j - i)
            d = f"M{x1},{y1 + BOX_H / 2} C{bend},{y1 + BOX_H / 2} {bend},{y2 + BOX_H / 2} {x2},{y2 + BOX_H / 2}"
        else:  # a way back: an arc on the right
            right = x1 + BOX_W
            bend = right + 14 * (i - j) + 6
            d = f"M{right},{y1 + BOX_H / 2} C{bend},{y1 + BOX_H / 2} {bend},{y2 + BOX_H / 2} {right},{y2 + BOX_H / 2}"
    else:  # to (or from) a state off the main way
        d = f"M{x1 + BOX_W},{y1 + BOX_H / 2} L{x2},{y2 + BOX_H / 2}"
    return (
        f'<path class="{cls}" data-way="{escape(source)}-{escape(dest)}" d="{d}" fill="none" '
        f'stroke="currentColor" marker-end="url(#arrow)"/>'
    )
