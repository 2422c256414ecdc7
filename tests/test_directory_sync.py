"""`flask --app proposals directory sync` (proposals/directory/sync.py), against a real slapd."""

from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import ApiToken, AuditEntry, ExternalIdentity, OrgUnit, User

from .conftest import PASSWORD, get_user
from .ldap_server import PASSWORD as COMPANY_PASSWORD
from .ldap_server import PEOPLE, SERVICE_DN, Person, free_port, group_dn


def sync(runner, *args):
    return runner.invoke(args=["directory", "sync", *args])


def snapshot() -> dict:
    """Everything a sync may write, as plain values."""
    db.session.expire_all()
    users = db.session.scalars(select(User).order_by(User.username))
    return {
        "users": [
            (
                u.username,
                u.name,
                u.email,
                u.mobile,
                u.employee_no,
                u.department_id,
                u.delegation_id,
                u.active,
                u.session_epoch,
                sorted(u.roles),
            )
            for u in users
        ],
        "units": [
            (u.code, u.name, u.kind, u.active) for u in db.session.scalars(select(OrgUnit).order_by(OrgUnit.code))
        ],
        "links": sorted(db.session.execute(select(ExternalIdentity.user_id, ExternalIdentity.subject)).all()),
        "audit": db.session.scalar(select(func.count(AuditEntry.id))),
    }


def test_dry_run_says_what_would_change_and_writes_nothing(runner, directory, make):
    make.unit("delegation", code="DEL1", name="第一代表团")
    before = snapshot()
    result = sync(runner, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would create department: FIN 财务部" in result.output
    assert "would create: zhangsan" in result.output and "would create: wangwu" in result.output
    assert "dry run, nothing written" in result.output
    assert snapshot() == before


def test_sync_imports_the_directory(runner, directory, make):
    delegation = make.unit("delegation", code="DEL1", name="第一代表团")
    result = sync(runner)
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output
    finance = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "FIN"))
    hr = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "HR"))
    assert (finance.name, finance.kind, hr.name) == ("财务部", "department", "人力资源部")
    zhang, li, wang = get_user("zhangsan"), get_user("lisi"), get_user("wangwu")
    assert (zhang.name, zhang.department_id, zhang.delegation_id) == ("张三", finance.id, delegation.id)
    assert (li.department_id, wang.department_id) == (finance.id, hr.id)
    assert (zhang.roles, li.roles, wang.roles) == (
        {"worker", "delegate"},
        {"worker"},
        {"worker", "delegate", "union_admin"},
    )
    assert all(u.password_hash is None and u.active for u in (zhang, li, wang))
    assert get_user("zhaoliu") is None  # disabled in the directory: no account made for it
    assert db.session.scalar(select(func.count(ExternalIdentity.id))) == 3
    run = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "directory.sync"))
    assert run.actor_id is None and sorted(run.details["created"]) == ["lisi", "wangwu", "zhangsan"]
    assert run.details["departments_created"] == ["FIN 财务部", "HR 人力资源部"]
    # and a person imported so signs in with the company password, into the same account
    client = runner.app.test_client()
    assert client.post("/login", data={"username": "lisi", "password": COMPANY_PASSWORD}).status_code == 302
    assert db.session.scalar(select(func.count(User.id))) == 3


def test_a_second_run_changes_nothing_and_says_so(runner, directory, make):
    make.unit("delegation", code="DEL1", name="第一代表团")
    assert sync(runner).exit_code == 0
    before = snapshot()
    result = sync(runner)
    assert result.exit_code == 0
    assert result.output == "directory sync: 4 people in the directory, nothing to change\n"
    after = snapshot()
    assert after["audit"] == before["audit"] + 1  # the run's own row, naming nothing
    assert {**after, "audit": 0} == {**before, "audit": 0}
    run = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "directory.sync").order_by(AuditEntry.id))
    last = run.all()[-1]
    assert (last.details["created"], last.details["updated"], last.details["deactivated"]) == ([], {}, [])
    assert sync(runner, "--quiet").output == ""  # for cron: nothing to read, nothing printed


def test_changes_in_the_directory_follow(runner, directory):
    sync(runner)
    directory.modify("lisi", displayName="李四光", mobile="13900000009", departmentNumber="HR")
    result = sync(runner)
    assert "update lisi: " in result.output and "'李四' → '李四光'" in result.output
    li = get_user("lisi")
    assert (li.name, li.mobile) == ("李四光", "13900000009")
    assert li.department.code == "HR"


def test_disabling_in_the_directory_deactivates_at_the_next_sync(runner, directory, app):
    sync(runner)
    client = app.test_client()
    assert client.post("/login", data={"username": "lisi", "password": COMPANY_PASSWORD}).status_code == 302
    token = client.post("/api/v1/auth/token", json={"username": "lisi", "password": COMPANY_PASSWORD}).json["token"]
    directory.disable("lisi")
    result = sync(runner)
    assert result.exit_code == 0 and "deactivate: lisi (disabled in the directory)" in result.output
    li = get_user("lisi")
    assert not li.active and db.session.get(User, li.id) is not None  # deactivated, never deleted
    assert client.get("/").status_code == 302  # the session ended
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert db.session.scalar(select(ApiToken.revoked_at)) is not None
    disabled = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.disable"))
    assert disabled.target_id == li.id and disabled.details["source"] == "ldap"
    # enabled in the directory again: active again at the next sync
    directory.modify("lisi", userAccountControl=512)
    assert "reactivate: lisi" in sync(runner).output
    assert get_user("lisi").active


def test_an_account_disabled_here_stays_disabled(runner, directory):
    from proposals.operations import disable_user

    sync(runner)
    disable_user(get_user("lisi"))
    assert "nothing to change" in sync(runner).output
    assert not get_user("lisi").active


def test_people_gone_from_the_directory_are_deactivated(runner, directory):
    sync(runner)
    directory.delete("lisi")
    assert "deactivate: lisi (no longer in the directory)" in sync(runner).output
    assert not get_user("lisi").active


def test_existing_accounts_are_linked_by_employee_number_and_keep_their_password(runner, directory, make):
    local = make.user("committee", username="li.si")  # e.g. from the roster import
    local.employee_no = "E1002"
    db.session.commit()
    result = sync(runner)
    assert "link: li.si (now lisi)" in result.output
    identity = db.session.scalar(select(ExternalIdentity).where(ExternalIdentity.user_id == local.id))
    assert identity is not None and identity.provider == "ldap"
    assert db.session.scalar(select(func.count(User.id)).where(User.employee_no == "E1002")) == 1
    local = get_user("lisi")  # the same account, under the directory's user name now
    assert local.roles == {"committee"} and local.name == "李四"  # roles stay; the name follows the directory
    client = runner.app.test_client()
    assert client.post("/login", data={"username": "lisi", "password": PASSWORD}).status_code == 302  # its own
    client.post("/logout")
    assert client.post("/login", data={"username": "lisi", "password": COMPANY_PASSWORD}).status_code == 302


def test_group_roles_move_with_the_groups_but_never_take_the_last_administrator(runner, directory):
    sync(runner)
    with directory.server.admin() as conn:
        conn.modify(group_dn("union-office"), {"member": [("MODIFY_REPLACE", [f"uid=lisi,{PEOPLE}"])]})
    assert "update lisi" in sync(runner).output
    assert "union_admin" in get_user("lisi").roles and "union_admin" not in get_user("wangwu").roles
    with directory.server.admin() as conn:  # nobody left in the group (a group of names needs one member)
        conn.modify(group_dn("union-office"), {"member": [("MODIFY_REPLACE", [SERVICE_DN])]})
    result = sync(runner)
    assert "lisi: kept as union administrator, the last active one" in result.output
    assert "union_admin" in get_user("lisi").roles


def test_a_new_person_in_the_directory_is_imported(runner, directory):
    sync(runner)
    directory.add_person(Person("sunqi", "孙七", "FIN", "E1005"))
    result = sync(runner)
    assert "create: sunqi" in result.output
    assert get_user("sunqi").department.code == "FIN"


def test_directory_down_fails_and_changes_nothing(runner, directory, app):
    before = snapshot()
    app.config["LDAP_URL"] = f"ldap://127.0.0.1:{free_port()}"
    result = sync(runner)
    assert result.exit_code == 1 and "nothing changed" in result.output
    assert snapshot() == before


def test_an_empty_answer_is_not_taken_for_everyone_leaving(runner, directory, app):
    sync(runner)
    before = snapshot()
    app.config["LDAP_USER_BASE"] = "ou=departments,dc=example,dc=cn"  # a wrong base: nobody there
    result = sync(runner)
    assert result.exit_code == 1 and "check LDAP_USER_BASE" in result.output
    assert snapshot() == before


def test_no_directory_configured(runner, app):
    result = sync(runner)
    assert result.exit_code == 1 and "LDAP_URL" in result.output
