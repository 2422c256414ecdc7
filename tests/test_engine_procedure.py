"""The engine alone, for the session's procedure (issue 14): who may propose, with whom, and when.

The state x event x role table of tests/test_lifecycle_matrix.py, extended along the settings that
change it: each row is (settings, facts, actor, event) and what the engine decides, a destination with
its effects or a refusal of a kind. No database, no Flask.
"""

import copy

import pytest

from workflow import DEFAULT_LIFECYCLE, LIFECYCLE, Actor, DefinitionError, Facts, Lifecycle, Settings
from workflow.errors import PermissionDenied, StateConflict
from workflow.predicates import CONDITIONS, PERMITS, REQUIREMENTS, delegation_needed

# the people: a worker who is no delegate, delegates of delegations 10, 20 and 30, the head of 10
WORKER = Actor(1, frozenset({"worker"}))
DELEGATE = Actor(2, frozenset({"worker", "delegate"}), delegation_id=10)
HEAD = Actor(3, frozenset({"worker", "delegate", "delegation_head"}), delegation_id=10)
OTHER_HEAD = Actor(4, frozenset({"worker", "delegate", "delegation_head"}), delegation_id=20)
D10 = Actor(11, frozenset({"worker", "delegate"}), delegation_id=10)
D20 = Actor(21, frozenset({"worker", "delegate"}), delegation_id=20)
D30 = Actor(31, frozenset({"worker", "delegate"}), delegation_id=30)
SYSTEM = Actor.system()

STRICT = Settings(
    proposers="delegates",
    min_cosigners=3,
    min_cosigner_delegations=2,
    late_submissions="refuse",
    delegation_review=True,
)
TEACHERS = Settings(proposers="delegates", late_submissions="suggestion")


def draft(author: Actor, **more) -> Facts:
    return Facts(state="draft", author_id=author.id, delegation_id=author.delegation_id, **more)


def cosigning(author: Actor, signed=(), **more) -> Facts:
    """Co-signing, with these co-signers (actors) already."""
    return Facts(
        state="cosigning",
        author_id=author.id,
        delegation_id=author.delegation_id,
        cosigner_ids=frozenset(a.id for a in signed),
        cosigner_delegation_ids=tuple(a.delegation_id for a in signed),
        **more,
    )


DELEGATION_PROPOSAL = {"delegation_proposal": True, "delegation_delegates": 4}  # of delegation 10, head aside

# (name, settings, facts, actor, event, destination or refusal, effects)
TABLE = [
    # -- proposers: workers (the default) or delegates; a draft is anyone's
    ("workers: a worker submits", Settings(), draft(WORKER), WORKER, "submit", "cosigning", ()),
    ("delegates: a worker is refused", TEACHERS, draft(WORKER), WORKER, "submit", PermissionDenied, ()),
    ("delegates: a delegate submits", TEACHERS, draft(DELEGATE), DELEGATE, "submit", "cosigning", ()),
    ("delegates: a worker may still withdraw", TEACHERS, draft(WORKER), WORKER, "withdraw", "withdrawn", ()),
    ("strict: a worker is refused", STRICT, draft(WORKER), WORKER, "submit", PermissionDenied, ()),
    # -- min_cosigner_delegations: co-signers from enough delegations
    ("any delegation: 2 of one suffice", Settings(), cosigning(D30, [D10]), DELEGATE, "cosign", "review", ()),
    (
        "two delegations: 2 of one do not",
        Settings(min_cosigner_delegations=2),
        cosigning(D30, [D10]),
        DELEGATE,
        "cosign",
        "cosigning",
        (),
    ),
    (
        "two delegations: one of each does",
        Settings(min_cosigner_delegations=2),
        cosigning(D30, [D10]),
        D20,
        "cosign",
        "review",
        (),
    ),
    (
        "strict: 3 from 2 delegations, then pre-review",
        STRICT,
        cosigning(D30, [D10, DELEGATE]),
        D20,
        "cosign",
        "delegation_review",
        (),
    ),
    ("strict: 3 from 1 delegation stay", STRICT, cosigning(D30, [D10, DELEGATE]), HEAD, "cosign", "cosigning", ()),
    (
        "no delegation counts for nothing",
        Settings(min_cosigners=1, min_cosigner_delegations=1),
        cosigning(D30),
        Actor(40, frozenset({"delegate"})),
        "cosign",
        "cosigning",
        (),
    ),
    (
        "close co-signing: too few delegations",
        Settings(min_cosigner_delegations=2),
        cosigning(D30, [D10, DELEGATE]),
        SYSTEM,
        "close_cosigning",
        "review",
        ("to_suggestion",),
    ),
    (
        "close co-signing: enough delegations is refused",
        Settings(min_cosigner_delegations=2),
        cosigning(D30, [D10, D20]),
        SYSTEM,
        "close_cosigning",
        StateConflict,
        (),
    ),
    # -- delegation proposals: the head submits; a share of the delegation co-signs (ceil(0.5 x 4) = 2)
    ("the head submits it", Settings(), draft(HEAD, **DELEGATION_PROPOSAL), HEAD, "submit", "cosigning", ()),
    (
        "the head of another delegation is not its head",
        Settings(),
        Facts(state="draft", author_id=OTHER_HEAD.id, delegation_id=10, **DELEGATION_PROPOSAL),
        OTHER_HEAD,
        "submit",
        PermissionDenied,
        (),
    ),
    (
        "no longer head: refused",
        Settings(),
        draft(DELEGATE, **DELEGATION_PROPOSAL),
        DELEGATE,
        "submit",
        PermissionDenied,
        (),
    ),
    (
        "one of its delegation is not the share",
        Settings(),
        cosigning(HEAD, [], **DELEGATION_PROPOSAL),
        D10,
        "cosign",
        "cosigning",
        (),
    ),
    (
        "two of its delegation are",
        Settings(),
        cosigning(HEAD, [D10], **DELEGATION_PROPOSAL),
        DELEGATE,
        "cosign",
        "review",
        (),
    ),
    (
        "others' co-signatures do not count toward the share",
        Settings(),
        cosigning(HEAD, [D20, D30], **DELEGATION_PROPOSAL),
        D10,
        "cosign",
        "cosigning",
        (),
    ),
    (
        "min_cosigner_delegations does not apply to it",
        Settings(min_cosigners=5, min_cosigner_delegations=3),
        cosigning(HEAD, [D10], **DELEGATION_PROPOSAL),
        DELEGATE,
        "cosign",
        "review",
        (),
    ),
    (
        "a share of 1 needs all four",
        Settings(delegation_share=1.0),
        cosigning(HEAD, [D10, DELEGATE], **DELEGATION_PROPOSAL),
        Actor(12, frozenset({"delegate"}), delegation_id=10),
        "cosign",
        "cosigning",
        (),
    ),
    (
        "a share of 0 moves on when submitted",
        Settings(delegation_share=0.0),
        draft(HEAD, **DELEGATION_PROPOSAL),
        HEAD,
        "submit",
        "review",
        (),
    ),
    (
        "close co-signing: short of the share",
        Settings(),
        cosigning(HEAD, [D10], **DELEGATION_PROPOSAL),
        SYSTEM,
        "close_cosigning",
        "review",
        ("to_suggestion",),
    ),
    # -- late_submissions: after the collection window
    ("accept: late is a proposal", Settings(collection_over=True), draft(WORKER), WORKER, "submit", "cosigning", ()),
    (
        "suggestion: late is a suggestion",
        Settings(collection_over=True, late_submissions="suggestion"),
        draft(WORKER),
        WORKER,
        "submit",
        "cosigning",
        ("to_suggestion",),
    ),
    (
        "suggestion: in time is a proposal",
        Settings(late_submissions="suggestion"),
        draft(WORKER),
        WORKER,
        "submit",
        "cosigning",
        (),
    ),
    (
        "refuse: late is refused",
        Settings(collection_over=True, late_submissions="refuse"),
        draft(WORKER),
        WORKER,
        "submit",
        StateConflict,
        (),
    ),
    (
        "refuse: a resubmission after send-back is never late",
        Settings(collection_over=True, late_submissions="refuse"),
        draft(WORKER, submitted_before=True),
        WORKER,
        "submit",
        "cosigning",
        (),
    ),
    (
        "suggestion: a resubmission stays what it was",
        Settings(collection_over=True, late_submissions="suggestion"),
        draft(WORKER, submitted_before=True),
        WORKER,
        "submit",
        "cosigning",
        (),
    ),
    (
        "a closed session refuses even in time",
        Settings(session_open=False),
        draft(WORKER),
        WORKER,
        "submit",
        StateConflict,
        (),
    ),
]


@pytest.mark.parametrize(
    "settings, facts, actor, event, expected, effects", [row[1:] for row in TABLE], ids=[row[0] for row in TABLE]
)
def test_the_procedure_table(settings, facts, actor, event, expected, effects):
    if isinstance(expected, type):
        with pytest.raises(expected):
            LIFECYCLE.decide(event, facts, actor, settings)
        assert event not in LIFECYCLE.available_events(facts, actor, settings)
        return
    decision = LIFECYCLE.decide(event, facts, actor, settings)
    assert decision.to_state == expected
    assert set(decision.effects) == set(effects)
    if not actor.roles & {"system"}:
        assert event in LIFECYCLE.available_events(facts, actor, settings)


def test_a_refusal_says_why():
    with pytest.raises(PermissionDenied) as denied:
        LIFECYCLE.decide("submit", draft(WORKER), WORKER, TEACHERS)
    assert denied.value.message == PERMITS["may_propose"][1]
    with pytest.raises(StateConflict) as late:
        LIFECYCLE.decide("submit", draft(DELEGATE), DELEGATE, Settings(collection_over=True, late_submissions="refuse"))
    assert late.value.message == REQUIREMENTS["not_late_refused"][1]


@pytest.mark.parametrize(
    "share, delegates, needed", [(0.5, 4, 2), (0.5, 3, 2), (0.5, 0, 0), (1 / 3, 3, 1), (0.7, 10, 7), (1.0, 5, 5)]
)
def test_the_share_of_a_delegation_is_rounded_up(share, delegates, needed):
    facts = Facts(state="cosigning", author_id=3, delegation_proposal=True, delegation_delegates=delegates)
    assert delegation_needed(facts, Settings(delegation_share=share)) == needed


@pytest.mark.parametrize("name", sorted(PERMITS))
def test_permits_return_real_booleans(name):
    check, message = PERMITS[name]
    for actor in (WORKER, HEAD, SYSTEM):
        for facts in (draft(WORKER), draft(HEAD, **DELEGATION_PROPOSAL)):
            assert type(check(facts, actor, STRICT)) is bool
    assert message


def test_late_as_suggestion_is_a_real_boolean():
    for settings in (Settings(), Settings(collection_over=True, late_submissions="suggestion")):
        assert type(CONDITIONS["late_as_suggestion"](draft(WORKER), WORKER, settings, {}, "submit")) is bool


@pytest.mark.parametrize(
    "change, complaint",
    [
        (lambda d: d["events"]["submit"].update(permits=["luck"]), "unknown permit 'luck'"),
        (lambda d: d["events"]["submit"].update(effects_if=[{"effect": "fame", "when": "late_as_suggestion"}]), "fame"),
        (lambda d: d["events"]["submit"].update(effects_if=[{"effect": "to_suggestion", "when": "rain"}]), "rain"),
    ],
)
def test_a_broken_procedure_fails_with_a_clear_message(change, complaint):
    definition = copy.deepcopy(DEFAULT_LIFECYCLE)
    change(definition)
    with pytest.raises(DefinitionError, match=complaint):
        Lifecycle(definition)
