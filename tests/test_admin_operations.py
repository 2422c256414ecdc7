"""The administration operations: changing sessions, people and units, and the working-day calendar."""

from datetime import date

import pytest
from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import ApiToken, AuditEntry, CalendarOverride, CongressSession, OrgUnit, User
from proposals.operations import (
    NotFound,
    add_calendar_override,
    create_session,
    create_unit,
    create_user,
    deactivate_unit,
    disable_user,
    edit_session,
    enable_user,
    reactivate_unit,
    remove_calendar_override,
    reset_password,
    set_roles,
    update_session,
    update_unit,
    update_user,
)
from proposals.operations.clock import working_calendar
from workflow import InvalidPayload, PermissionDenied

from .conftest import PASSWORD


def refused(call, *args) -> dict:
    """The fields an operation refused, as {field: msgid}."""
    with pytest.raises(InvalidPayload) as info:
        call(*args)
    db.session.rollback()
    return {name: msgid for name, (msgid, _params) in info.value.fields.items()}


# -- sessions -------------------------------------------------------------------------------------

FULL_FORM = {
    "name": "第十届职代会第三次会议",
    "is_open": True,
    "min_cosigners": 3,
    "delegation_review": True,
    "ack_days": 4,
    "reply_days": 20,
    "feedback_days": 10,
    "max_rehandle": 1,
    "remind_days_before": 2,
    "vote_limit": 3,
    "two_axis_rating": False,
    "collection_start": "",
    "collection_end": "",
    "cosign_deadline": "",
    "vote_start": "2026-05-01",
    "vote_end": "2026-05-10",
    # the procedure (issue 14) and the pre-review and key-proposal deadlines: a form gives every setting
    "proposers": "delegates",
    "min_cosigner_delegations": 2,
    "delegation_share": 0.6,
    "late_submissions": "suggestion",
    "delegation_review_days": 7,
    "key_remind_days_before": 4,
    # the reply as practised (issue 15)
    "countersign_days": 3,
    "reply_approval": "committee",
    "outcome_classes": [
        {"code": "A", "label": "已解决"},
        {"code": "B", "label": "列入计划", "requires": ["planned_date"]},
    ],
    "decline_days": 3,  # supervision (issue 15)
}


def test_edit_session_sets_every_setting_and_clears_empty_dates(make):
    session = make.new_session(collection_start="2026-03-01", collection_end="2026-03-31")
    edit_session(session, FULL_FORM)
    db.session.expire_all()
    session = db.session.get(CongressSession, session.id)
    assert (session.min_cosigners, session.ack_days, session.vote_limit) == (3, 4, 3)
    assert session.delegation_review is True and session.two_axis_rating is False
    assert session.collection_start is None and session.collection_end is None
    assert (session.vote_start, session.vote_end) == (date(2026, 5, 1), date(2026, 5, 10))
    assert (session.proposers, session.min_cosigner_delegations, session.delegation_share) == ("delegates", 2, 0.6)
    assert session.late_submissions == "suggestion"
    assert (session.delegation_review_days, session.key_remind_days_before) == (7, 4)
    assert (session.countersign_days, session.reply_approval) == (3, "committee")
    assert [c["code"] for c in session.outcome_classes] == ["A", "B"]
    assert session.outcome_classes[0]["requires"] == []
    assert session.decline_days == 3


@pytest.mark.parametrize(
    "change, fields",
    [
        ({"name": ""}, {"name"}),
        ({"ack_days": None, "reply_days": 0}, {"ack_days", "reply_days"}),
        ({"vote_limit": "five"}, {"vote_limit"}),
        ({"vote_end": "2026-04-30"}, {"vote_end"}),
        ({"collection_start": "next week"}, {"collection_start"}),
        ({"code": "S9"}, {"code"}),
    ],
)
def test_edit_session_refuses_and_changes_nothing(make, change, fields):
    session = make.new_session(ack_days=5, reply_days=30)
    before = (session.name, session.ack_days, session.reply_days, session.vote_limit)
    assert set(refused(edit_session, session, FULL_FORM | change)) == fields
    db.session.expire_all()
    session = db.session.get(CongressSession, session.id)
    assert (session.name, session.ack_days, session.reply_days, session.vote_limit) == before


# -- users ----------------------------------------------------------------------------------------


def test_update_user_changes_the_fields_given(make):
    dept, delegation = make.unit("department"), make.unit("delegation")
    user = make.user("worker", email="old@example.com", delegation_id=delegation.id)
    update_user(user, {"name": "王五", "department_id": dept.id, "roles": ["department_handler", "delegate"]})
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.name, user.department_id, user.delegation_id) == ("王五", dept.id, delegation.id)
    assert user.roles == {"department_handler", "delegate"} and user.email == "old@example.com"
    update_user(user, {"email": "", "delegation_id": None})
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.email, user.delegation_id, user.department_id) == (None, None, dept.id)


def test_update_user_refuses_wrong_units_roles_and_fields(make):
    dept, delegation = make.unit("department"), make.unit("delegation")
    user = make.user("worker")
    fields = refused(update_user, user, {"name": " ", "roles": ["king"], "username": "x", "department_id": "1"})
    assert set(fields) == {"name", "roles", "username", "department_id"}
    fields = refused(update_user, user, {"department_id": delegation.id, "delegation_id": 99999})
    assert fields == {"department_id": "No such unit.", "delegation_id": "No such unit."}
    assert refused(update_user, user, {"roles": []}) == {"roles": "This field is required."}
    deactivate_unit(dept)
    assert refused(update_user, user, {"department_id": dept.id}) == {"department_id": "This unit is deactivated."}
    db.session.expire_all()
    assert db.session.get(User, user.id).department_id is None


def test_a_user_keeps_a_unit_deactivated_after_joining_it(make):
    dept = make.unit("department")
    user = make.user("department_handler", department_id=dept.id)
    deactivate_unit(dept)
    update_user(user, {"name": "仍在原部门", "department_id": dept.id})
    assert user.department_id == dept.id


def test_the_last_active_union_admin_stays(make):
    admin = make.user("union_admin")
    make.user("union_admin").active = False  # a disabled administrator does not count
    db.session.commit()
    assert refused(set_roles, admin, ["worker"]) == {"roles": "At least one active union administrator must remain."}
    assert refused(disable_user, admin) == {"active": "At least one active union administrator must remain."}
    db.session.expire_all()
    admin = db.session.get(User, admin.id)
    assert admin.active and admin.roles == {"union_admin"}
    other = make.user("union_admin")
    set_roles(admin, ["worker"])
    assert refused(disable_user, other)
    assert set_roles(admin, ["union_admin", "worker"]).roles == {"union_admin", "worker"}
    assert not disable_user(other).active


def test_reset_password(make):
    user = make.user("worker")
    token, _secret = ApiToken.issue(user, hours=1)
    db.session.commit()
    assert refused(reset_password, user, {"password": "short"}) == {"password": "At least %(min)d characters."}
    assert refused(reset_password, user, {}) == {"password": "This field is required."}
    assert user.check_password(PASSWORD)
    reset_password(user, {"password": "A-New-Secret-26"})
    assert user.check_password("A-New-Secret-26") and not user.check_password(PASSWORD)
    assert db.session.get(ApiToken, token.id).revoked_at is not None


def test_disable_and_enable(make):
    user = make.user("worker")
    ApiToken.issue(user, hours=1)
    db.session.commit()
    disable_user(user)
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert not user.active and not user.is_active
    live = select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None))
    assert db.session.scalar(live) == 0
    assert enable_user(user).active


# -- units ----------------------------------------------------------------------------------------


def test_update_unit_renames_and_moves(make):
    union = make.unit("union")
    grassroots = make.unit("grassroots")
    delegation = make.unit("delegation", code="D1")
    update_unit(delegation, {"name": "第一代表团", "parent_id": grassroots.id})
    update_unit(grassroots, {"parent_id": union.id})
    db.session.expire_all()
    delegation = db.session.get(OrgUnit, delegation.id)
    assert (delegation.code, delegation.name, delegation.parent_id) == ("D1", "第一代表团", grassroots.id)
    update_unit(delegation, {"parent_id": None})
    assert delegation.parent_id is None


def test_update_unit_refuses_cycles_and_unknown_parents(make):
    grassroots = make.unit("grassroots", name="机加车间工会")
    delegation = make.unit("delegation")
    update_unit(delegation, {"parent_id": grassroots.id})
    assert refused(update_unit, grassroots, {"parent_id": grassroots.id}) == {
        "parent_id": "A unit cannot belong to itself."
    }
    assert refused(update_unit, grassroots, {"parent_id": delegation.id}) == {
        "parent_id": "A unit cannot belong to itself."
    }
    assert refused(update_unit, grassroots, {"parent_id": 99999, "name": "新名称"}) == {"parent_id": "No such unit."}
    assert refused(update_unit, grassroots, {"name": ""}) == {"name": "This field is required."}
    assert refused(update_unit, grassroots, {"code": "X"}) == {"code": "Unknown field."}
    db.session.expire_all()
    grassroots = db.session.get(OrgUnit, grassroots.id)
    assert (grassroots.name, grassroots.parent_id) == ("机加车间工会", None)


def test_units_are_deactivated_never_deleted(make):
    dept = make.unit("department")
    assert not deactivate_unit(dept).active
    assert db.session.get(OrgUnit, dept.id) is not None
    assert reactivate_unit(dept).active


# -- the working-day calendar ---------------------------------------------------------------------

MONDAY = date(2026, 6, 1)  # a plain working week: Monday 1 June to Friday 5 June 2026


def test_calendar_overrides_move_deadlines(app):
    assert working_calendar().add(MONDAY, 3) == date(2026, 6, 4)
    off = add_calendar_override({"day": "2026-06-02", "working": False, "note": "厂庆"})
    assert working_calendar().add(MONDAY, 3) == date(2026, 6, 5)
    on = add_calendar_override({"day": "2026-06-06", "working": True})
    assert working_calendar().add(MONDAY, 5) == date(2026, 6, 8)
    assert (off.note, on.note) == ("厂庆", None)
    removed = remove_calendar_override(off.id)
    assert removed.day == date(2026, 6, 2)
    assert working_calendar().add(MONDAY, 3) == date(2026, 6, 4)
    assert db.session.scalar(select(func.count()).select_from(CalendarOverride)) == 1


@pytest.mark.parametrize(
    "data, field, msgid",
    [
        ({"day": "2026-06-06", "working": False}, "day", "This day is already a day off."),  # a Saturday
        ({"day": "2026-10-01", "working": False}, "day", "This day is already a day off."),  # National Day
        ({"day": "2026-06-03", "working": True}, "day", "This day is already a working day."),
        ({"day": "2026-06-02", "working": True}, "day", "This day is already in the list; remove it first."),
        ({"day": "", "working": False}, "day", "This field is required."),
        ({"day": "2026-02-30", "working": False}, "day", "Must be a date such as 2026-03-01."),
        ({"day": "2026-06-03", "working": "yes"}, "working", "Must be true or false."),
        ({"day": "2026-06-03", "working": False, "note": "x" * 201}, "note", "At most %(max)d characters."),
    ],
)
def test_calendar_override_refusals(app, data, field, msgid):
    add_calendar_override({"day": "2026-06-02", "working": False})
    assert refused(add_calendar_override, data) == {field: msgid}
    assert db.session.scalar(select(func.count()).select_from(CalendarOverride)) == 1


def test_removing_an_unknown_day(app):
    with pytest.raises(NotFound):
        remove_calendar_override(12345)


def test_two_administrators_disabling_each_other_leave_one(make):
    first, second = make.user("union_admin"), make.user("union_admin")
    assert not disable_user(second, actor=first).active
    assert refused(disable_user, first) == {"active": "At least one active union administrator must remain."}
    assert refused(update_user, first, {"roles": ["worker"]}) == {
        "roles": "At least one active union administrator must remain."
    }
    db.session.expire_all()
    assert db.session.get(User, first.id).active


# -- who acts --------------------------------------------------------------------------------------

OPERATIONS = {
    "create_user": lambda w: create_user(
        {"username": "newcomer", "name": "新人", "password": PASSWORD, "roles": ["worker"]}, actor=w.actor
    ),
    "create_unit": lambda w: create_unit("department", {"code": "NEW", "name": "新部门"}, actor=w.actor),
    "create_session": lambda w: create_session({"code": "NEW", "name": "新会议"}, actor=w.actor),
    "update_session": lambda w: update_session(w.session, {"reply_days": 9}, actor=w.actor),
    "edit_session": lambda w: edit_session(w.session, FULL_FORM, actor=w.actor),
    "update_user": lambda w: update_user(w.user, {"name": "改名"}, actor=w.actor),
    "set_roles": lambda w: set_roles(w.user, ["delegate"], actor=w.actor),
    "reset_password": lambda w: reset_password(w.user, {"password": "Xinmima#2026"}, actor=w.actor),
    "disable_user": lambda w: disable_user(w.user, actor=w.actor),
    "enable_user": lambda w: enable_user(w.user, actor=w.actor),
    "update_unit": lambda w: update_unit(w.unit, {"name": "改名"}, actor=w.actor),
    "deactivate_unit": lambda w: deactivate_unit(w.unit, actor=w.actor),
    "reactivate_unit": lambda w: reactivate_unit(w.unit, actor=w.actor),
    "add_calendar_override": lambda w: add_calendar_override({"day": "2031-06-02", "working": False}, actor=w.actor),
    "remove_calendar_override": lambda w: remove_calendar_override(w.override.id, actor=w.actor),
}


class World:
    def __init__(self, make, actor):
        self.actor = actor
        self.session = make.session()
        self.user = make.user("worker")
        self.unit = make.unit("department")
        self.override = add_calendar_override({"day": "2031-06-03", "working": False})


def log_rows() -> list:
    return db.session.execute(select(AuditEntry.action, AuditEntry.actor_id).order_by(AuditEntry.id)).all()


@pytest.mark.parametrize("name", OPERATIONS)
@pytest.mark.parametrize("role", ["worker", "committee", "supervisor", "leader", "department_handler"])
def test_an_operation_refuses_an_actor_who_is_not_a_union_administrator(make, name, role):
    world = World(make, make.user(role))
    before = log_rows()
    with pytest.raises(PermissionDenied) as info:
        OPERATIONS[name](world)
    assert info.value.message == "Only union administrators may do this."
    db.session.rollback()
    assert log_rows() == before  # nothing was done, nothing logged


@pytest.mark.parametrize("name", OPERATIONS)
def test_an_operation_logs_the_administrator_it_was_given(make, name):
    admin = make.user("union_admin")
    world = World(make, admin)
    before = len(log_rows())
    OPERATIONS[name](world)
    assert [actor for _action, actor in log_rows()[before:]] == [admin.id]


@pytest.mark.parametrize("kind", ["user", "unit", "session"])
def test_a_name_taken_between_the_check_and_the_write_is_taken_not_a_server_error(make, monkeypatch, kind):
    """What a request that loses the race sees: its check passed, then the unique index refuses the row."""
    from proposals.operations import Taken, admin, sessions, units

    make.user("worker", username="chen")
    make.unit("department", code="HR")
    make.new_session(code="10-3")
    for module in (admin, units, sessions):  # as if the others were not written yet
        monkeypatch.setattr(module, "refuse", lambda errors, taken: None)
    calls = {
        "user": lambda: create_user({"username": "chen", "name": "陈七", "password": PASSWORD, "roles": ["worker"]}),
        "unit": lambda: create_unit("department", {"code": "HR", "name": "另一个"}),
        "session": lambda: create_session({"code": "10-3", "name": "另一个"}),
    }
    before = log_rows()
    with pytest.raises(Taken) as info:
        calls[kind]()
    assert (
        info.value.fields
        == {
            "user": {"username": ("This user name is taken.", {})},
            "unit": {"code": ("This code is taken.", {})},
            "session": {"code": ("This code is taken.", {})},
        }[kind]
    )
    assert log_rows() == before
