"""One `transitions` machine built from the lifecycle definition, and the decision of events.

`Lifecycle.decide()` is the engine's single entry point: given what is known of a proposal, who
acts, the session's settings and a payload, it returns the `Decision` (destination, cleaned payload,
effects, audiences to notify) or raises a typed refusal. It changes nothing itself; the application
applies a decision, its history row and its notifications in one database transaction.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from transitions import Machine

from .errors import N_, DefinitionError, InvalidPayload, PermissionDenied, StateConflict, UnknownEvent
from .facts import SYSTEM, Actor, Facts, Settings
from .payload import Field, absent, message, validate
from .predicates import CONDITIONS, PERMITS, REQUIREMENTS, SWITCHES, WHO

KNOWN_EFFECTS = {"number", "to_suggestion"}
# what a state may be tagged with (workflow/definition.py says what each means)
STATE_TAGS = {"public", "numbered", "decided", "handling", "merge_target"}
KNOWN_AUDIENCES = {
    "author",
    "cosigners",
    "cosign_invitees",
    "committee",
    "supervisors",
    "lead_department",
    "assigned_departments",
    "released_departments",  # the departments whose assignments the event ended (a return approved)
    "key_leader",
    "coauthors",
    "former_cosigners",
    "cohandler_departments",
    "reply_approvers",
    "escalating_committee",  # the committee of the union an escalated proposal came from
}


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    dest: str | None
    who: tuple[str, ...]
    conditions: tuple[str, ...]
    notify: tuple[str, ...] | None = None  # who is told when this way is taken (None: the event's audiences)
    notice: str | None = None  # the kind of notice they get (None: the event's own); names the way taken


@dataclass(frozen=True)
class Event:
    name: str
    label: str
    who: tuple[str, ...]
    requires: tuple[str, ...]
    payload: dict[str, Field]
    effects: tuple[str, ...]
    notify: tuple[str, ...]
    transitions: tuple[Transition, ...]
    permits: tuple[str, ...] = ()  # PERMITS the actor must pass (else a permission refusal)
    effects_if: tuple[tuple[str, str], ...] = ()  # (effect, condition): an effect only when the condition holds
    # (field, switch, msgid): a field asked for, and then required, only where the session's switch is on
    # (predicates.SWITCHES); sent where it is off, it is refused with the msgid
    asked_if: tuple[tuple[str, str, str], ...] = ()
    # (field, condition, msgid): a field required when the condition holds on the rest of the payload
    required_if: tuple[tuple[str, str, str], ...] = ()

    @property
    def sources(self) -> set[str]:
        return {s for t in self.transitions for s in t.sources}

    @property
    def is_system(self) -> bool:
        return self.who == (SYSTEM,)


@dataclass(frozen=True)
class Decision:
    event: str
    from_state: str
    to_state: str
    payload: dict
    effects: tuple[str, ...]
    notify: tuple[str, ...]
    notice: str | None = None  # the kind of notice of the way taken (None: the event's own)


class _Subject:
    """What the machine is bound to for one call: just the state and the call's context."""

    def __init__(self, state: str):
        self.state = state
        self.taken: Transition | None = None  # the transition the machine took


def _condition(name: str):
    negate = name.startswith("!")
    check = CONDITIONS[name.lstrip("!")]

    def run(event_data) -> bool:
        ctx = event_data.kwargs
        result = check(ctx["facts"], ctx["actor"], ctx["settings"], ctx["payload"], event_data.event.name)
        return bool(result) is not negate

    return run


def _who(names: Iterable[str]):
    names = tuple(names)

    def run(event_data) -> bool:
        return any(WHO[n](event_data.kwargs["actor"], event_data.kwargs["facts"]) for n in names)

    return run


def _taken(transition: Transition):
    def run(event_data) -> None:
        event_data.model.taken = transition

    return run


class Lifecycle:
    """A checked lifecycle definition and the one machine built from it."""

    def __init__(self, definition: dict):
        self.initial: str = definition["initial"]
        self.states: dict[str, dict] = dict(definition["states"])
        self.main_way: tuple[str, ...] = tuple(definition.get("main_way") or ())
        self.events: dict[str, Event] = {}
        for name, spec in definition["events"].items():
            self.events[name] = self._event(name, spec)
        self._check()
        self.machine = Machine(
            model=None,
            states=list(self.states),
            initial=self.initial,
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
        )
        for event in self.events.values():
            for t in event.transitions:
                self.machine.add_transition(
                    event.name,
                    list(t.sources),
                    t.dest if t.dest is not None else None,
                    conditions=[_who(t.who)] + [_condition(c) for c in t.conditions],
                    after=[_taken(t)],
                )

    @staticmethod
    def _event(name: str, spec: dict) -> Event:
        who = tuple(spec.get("who") or ())
        transitions = tuple(
            Transition(
                sources=tuple(t["source"]),
                dest=t.get("dest"),
                who=tuple(t.get("who") or who),
                conditions=tuple(t.get("conditions") or ()),
                notify=tuple(t["notify"]) if "notify" in t else None,
                notice=t.get("notice"),
            )
            for t in spec.get("transitions") or ()
        )
        return Event(
            name=name,
            label=spec.get("label", name),
            who=who,
            requires=tuple(spec.get("requires") or ()),
            payload=dict(spec.get("payload") or {}),
            effects=tuple(spec.get("effects") or ()),
            notify=tuple(spec.get("notify") or ()),
            transitions=transitions,
            permits=tuple(spec.get("permits") or ()),
            effects_if=tuple((e["effect"], e["when"]) for e in spec.get("effects_if") or ()),
            asked_if=tuple((a["field"], a["switch"], a["refused"]) for a in spec.get("asked_if") or ()),
            required_if=tuple((r["field"], r["when"], r["message"]) for r in spec.get("required_if") or ()),
        )

    def _check(self) -> None:
        problems = []
        if self.initial not in self.states:
            problems.append(f"initial state {self.initial!r} is not a state")
        for event in self.events.values():
            where = f"event {event.name!r}"
            if not event.who:
                problems.append(f"{where} names no role that may fire it")
            if not event.transitions:
                problems.append(f"{where} has no transitions")
            for n in event.who:
                if n not in WHO:
                    problems.append(f"{where}: unknown role {n!r}")
            for n in event.requires:
                if n not in REQUIREMENTS:
                    problems.append(f"{where}: unknown requirement {n!r}")
            for n in event.permits:
                if n not in PERMITS:
                    problems.append(f"{where}: unknown permit {n!r}")
            for n in (*event.effects, *(e for e, _ in event.effects_if)):
                if n not in KNOWN_EFFECTS:
                    problems.append(f"{where}: unknown effect {n!r}")
            for _, c in event.effects_if:
                if c.lstrip("!") not in CONDITIONS:
                    problems.append(f"{where}: unknown condition {c!r}")
            for field_name, switch, _ in event.asked_if:
                if field_name not in event.payload:
                    problems.append(f"{where}: asks for {field_name!r}, which is not a payload field")
                if switch not in SWITCHES:
                    problems.append(f"{where}: unknown switch {switch!r}")
            for field_name, c, _ in event.required_if:
                if field_name not in event.payload:
                    problems.append(f"{where}: requires {field_name!r}, which is not a payload field")
                if c.lstrip("!") not in CONDITIONS:
                    problems.append(f"{where}: unknown condition {c!r}")
            for n in (*event.notify, *(n for t in event.transitions for n in t.notify or ())):
                if n not in KNOWN_AUDIENCES:
                    problems.append(f"{where}: unknown audience {n!r}")
            for t in event.transitions:
                for s in (*t.sources, *([t.dest] if t.dest else [])):
                    if s not in self.states:
                        problems.append(f"{where}: unknown state {s!r}")
                for n in t.who:
                    if n not in WHO:
                        problems.append(f"{where}: unknown role {n!r}")
                for c in t.conditions:
                    if c.lstrip("!") not in CONDITIONS:
                        problems.append(f"{where}: unknown condition {c!r}")
        for state, spec in self.states.items():
            for tag in spec.get("tags") or ():
                if tag not in STATE_TAGS:
                    problems.append(f"state {state!r}: unknown tag {tag!r}")
        for state in self.main_way:
            if state not in self.states:
                problems.append(f"main way: unknown state {state!r}")
        if len(set(self.main_way)) != len(self.main_way):
            problems.append("main way: a state is named twice")
        reachable = {self.initial}
        frontier = [self.initial]
        while frontier:
            state = frontier.pop()
            for event in self.events.values():
                for t in event.transitions:
                    if state in t.sources and t.dest and t.dest not in reachable:
                        reachable.add(t.dest)
                        frontier.append(t.dest)
        for state in self.states:
            if state not in reachable:
                problems.append(f"state {state!r} cannot be reached from {self.initial!r}")
        if problems:
            raise DefinitionError("invalid lifecycle definition: " + "; ".join(problems))

    # -- asking ------------------------------------------------------------------------------

    def tagged(self, tag: str) -> tuple[str, ...]:
        """The states with this tag, in definition order."""
        if tag not in STATE_TAGS:
            raise DefinitionError(f"unknown state tag {tag!r}")
        return tuple(s for s, spec in self.states.items() if tag in (spec.get("tags") or ()))

    def or_later(self, state: str) -> tuple[str, ...]:
        """`state` and every state after it on the main way ("replied or later")."""
        if state not in self.main_way:
            raise DefinitionError(f"state {state!r} is not on the main way")
        return self.main_way[self.main_way.index(state) :]

    def event(self, name: str) -> Event:
        try:
            return self.events[name]
        except KeyError:
            raise UnknownEvent(N_("Unknown event %(event)s."), event=name) from None

    def payload_fields(self, event_name: str, settings: Settings) -> dict[str, Field]:
        """The payload fields `event_name` asks for under a session's settings (what its form shows): a field
        asked only where a switch is on is left out where it is off, and required where it is on."""
        event = self.event(event_name)
        fields = dict(event.payload)
        for name, switch, _ in event.asked_if:
            if SWITCHES[switch](settings):
                fields[name] = replace(fields[name], required=True)
            else:
                del fields[name]
        return fields

    def _clean(self, event: Event, facts: Facts, actor: Actor, settings: Settings, payload) -> dict:
        """The cleaned payload, or InvalidPayload naming each wrong field: its fields' own checks, a field
        the session does not ask for, a field the rest of the payload makes required."""
        fields = self.payload_fields(event.name, settings)
        errors: dict[str, tuple[str, dict]] = {}
        if isinstance(payload, dict):
            for name, _, refused in event.asked_if:
                if name not in fields and not absent(payload.get(name)):
                    errors[name] = message(refused)
            payload = {k: v for k, v in payload.items() if k not in errors}
        try:
            clean = validate(fields, payload)
        except InvalidPayload as exc:
            raise InvalidPayload({**exc.fields, **errors}) from None
        for name, when, msgid in event.required_if:
            check = CONDITIONS[when.lstrip("!")]
            if name not in clean and bool(check(facts, actor, settings, clean, event.name)) is not when.startswith("!"):
                errors[name] = message(msgid)
        if errors:
            raise InvalidPayload(errors)
        return clean

    def available_events(self, facts: Facts, actor: Actor, settings: Settings) -> list[str]:
        """The events this actor could fire now (payload aside), in definition order."""
        return [
            e.name for e in self.events.values() if not e.is_system and self._refusal(e, facts, actor, settings) is None
        ]

    def _refusal(self, event: Event, facts: Facts, actor: Actor, settings: Settings) -> Exception | None:
        if not any(WHO[n](actor, facts) for n in event.who):
            return PermissionDenied(N_("You may not %(event)s this proposal."), event=event.name)
        here = [t for t in event.transitions if facts.state in t.sources]
        if not here:
            return StateConflict(
                N_("The proposal is %(state)s: %(event)s is not possible now."),
                state=facts.state,
                available=(),
                event=event.name,
            )
        if not any(WHO[n](actor, facts) for t in here for n in t.who):
            return PermissionDenied(N_("You may not %(event)s this proposal now."), event=event.name)
        for name in event.permits:
            check, message = PERMITS[name]
            if not check(facts, actor, settings):
                return PermissionDenied(message)
        for name in event.requires:
            check, message = REQUIREMENTS[name]
            if not check(facts, actor, settings):
                return StateConflict(message, state=facts.state)
        return None

    def decide(self, event_name: str, facts: Facts, actor: Actor, settings: Settings, payload=None) -> Decision:
        """Decide what firing `event_name` does, or raise why it may not happen."""
        event = self.event(event_name)
        refusal = self._refusal(event, facts, actor, settings)
        if refusal is not None:
            if isinstance(refusal, StateConflict):
                refusal.available = self.available_events(facts, actor, settings)
            raise refusal
        clean = self._clean(event, facts, actor, settings, payload)
        subject = _Subject(facts.state)
        moved = self.machine.events[event.name].trigger(
            subject, facts=facts, actor=actor, settings=settings, payload=clean
        )
        if not moved:  # no transition's conditions held: a definition without a fallback
            raise StateConflict(
                N_("The proposal is %(state)s: %(event)s is not possible now."),
                state=facts.state,
                available=self.available_events(facts, actor, settings),
                event=event.name,
            )
        effects = event.effects + tuple(
            e
            for e, c in event.effects_if
            if e not in event.effects
            and bool(CONDITIONS[c.lstrip("!")](facts, actor, settings, clean, event.name)) is not c.startswith("!")
        )
        return Decision(
            event=event.name,
            from_state=facts.state,
            to_state=subject.state,
            payload=clean,
            effects=effects,
            notify=subject.taken.notify if subject.taken and subject.taken.notify is not None else event.notify,
            notice=subject.taken.notice if subject.taken else None,
        )
