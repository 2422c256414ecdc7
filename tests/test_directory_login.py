"""Signing in with a company account (proposals/directory/login.py), against a real slapd (tests/ldap_server.py)."""

import pytest
from sqlalchemy import func, select

from proposals.directory import client as directory_client
from proposals.extensions import db
from proposals.models import ApiToken, AuditEntry, ExternalIdentity, LoginAttempt, User

from .conftest import PASSWORD, get_user
from .ldap_server import PASSWORD as COMPANY_PASSWORD
from .ldap_server import PEOPLE, free_port, group_dn

WRONG = "用户名或密码错误。"
DIRECTORY_DOWN = "暂时无法连接公司目录"
DISABLED_THERE = "此账号已在公司目录中停用"
DISABLED_HERE = "此账号已停用，请与工会办公室联系。"


def login(client, username, password=COMPANY_PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


def text(response) -> str:
    return response.get_data(as_text=True)


def logged_in(client) -> bool:
    return client.get("/").status_code == 200


@pytest.fixture
def units(make):
    return {
        "FIN": make.unit("department", code="FIN", name="财务部"),
        "HR": make.unit("department", code="HR", name="人力资源部"),
        "d1": make.unit("delegation", code="DEL1", name="第一代表团"),
    }


def test_first_login_makes_the_account_and_links_the_entry(client, directory, units):
    response = login(client, "zhangsan")
    assert response.status_code == 302 and response.location == "/"
    user = get_user("zhangsan")
    assert (user.name, user.email, user.mobile, user.employee_no) == (
        "张三",
        "zhangsan@example.cn",
        "13800000001",
        "E1001",
    )
    assert user.department_id == units["FIN"].id and user.delegation_id == units["d1"].id  # by code, by name
    assert user.roles == {"worker", "delegate"}  # the default, and the "delegates" group's
    assert user.password_hash is None and not user.has_password  # no local password
    identity = db.session.scalar(select(ExternalIdentity).where(ExternalIdentity.user_id == user.id))
    assert identity.provider == "ldap" and identity.last_login_at is not None
    assert len(identity.subject) == 36 and "=" not in identity.subject  # the entryUUID, not the DN
    created = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.create"))
    assert created.target_id == user.id and created.details["source"] == "ldap"
    assert db.session.scalar(select(LoginAttempt.succeeded).where(LoginAttempt.username == "zhangsan"))
    assert "张三" in text(client.get("/"))


def test_later_logins_use_the_same_account_and_follow_the_entry(client, directory, units, make):
    login(client, "zhangsan")
    user = get_user("zhangsan")
    user.roles = {*user.roles, "committee"}  # a role given here
    db.session.commit()
    client.post("/logout")
    directory.modify("zhangsan", displayName="张三丰", departmentNumber="HR")
    with directory.server.admin() as conn:  # out of the delegates group
        conn.modify(group_dn("delegates"), {"member": [("MODIFY_DELETE", [f"uid=zhangsan,{PEOPLE}"])]})
    assert login(client, "zhangsan").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id)).where(User.username.like("zhangsan%"))) == 1
    user = get_user("zhangsan")
    assert user.name == "张三丰" and user.department_id == units["HR"].id
    assert user.roles == {"worker", "committee"}  # the group's role went, the one given here stayed
    changed = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.update"))
    assert changed.details["name"] == ["张三", "张三丰"] and changed.details["source"] == "ldap"


def test_api_token_with_a_company_account(client, directory):
    response = client.post("/api/v1/auth/token", json={"username": "lisi", "password": COMPANY_PASSWORD})
    assert response.status_code == 200, response.json
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {response.json['token']}"})
    assert me.status_code == 200 and me.json["username"] == "lisi"
    refused = client.post("/api/v1/auth/token", json={"username": "lisi", "password": "wrong"})
    assert refused.status_code == 401
    assert db.session.scalar(select(func.count(ApiToken.id))) == 1


def test_wrong_password_is_refused_then_throttled(client, app, directory):
    app.config["LOGIN_FAILURES_PER_ACCOUNT"] = 3
    for _ in range(3):
        response = login(client, "lisi", "not the password")
        assert response.status_code == 200 and WRONG in text(response)
    assert get_user("lisi") is None  # no account for a wrong password
    response = login(client, "lisi")  # the right password, too late
    assert response.status_code == 429 and "登录失败次数过多" in text(response)
    assert client.post("/api/v1/auth/token", json={"username": "lisi", "password": COMPANY_PASSWORD}).status_code == 429
    assert not logged_in(client)


@pytest.mark.parametrize("username", ["*", "lisi)(uid=*", "zhang*", "uid=lisi"])
def test_names_are_not_filters(client, directory, username):
    assert WRONG in text(login(client, username))
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_an_empty_password_never_binds(app, directory):
    assert directory_client.sign_in("lisi", "") is None


def test_an_account_disabled_in_the_directory_is_refused(client, directory):
    response = login(client, "zhaoliu")
    assert response.status_code == 200 and DISABLED_THERE in text(response)
    assert get_user("zhaoliu") is None and not logged_in(client)
    api = client.post("/api/v1/auth/token", json={"username": "zhaoliu", "password": COMPANY_PASSWORD})
    assert api.status_code == 401 and DISABLED_THERE in api.json["error"]
    # and the wrong password is just that: nothing tells the account is disabled
    assert WRONG in text(login(client, "zhaoliu", "wrong"))


def test_an_account_disabled_here_is_refused(client, directory):
    login(client, "lisi")
    client.post("/logout")
    user = get_user("lisi")
    user.active = False
    db.session.commit()
    assert DISABLED_HERE in text(login(client, "lisi"))
    assert not logged_in(client)


def test_local_accounts_keep_their_passwords(client, directory, make):
    make.user("union_admin", username="admin")
    make.user("worker", username="lisi")  # a local account named like an entry: never sent to the directory
    assert login(client, "admin", PASSWORD).status_code == 302
    client.post("/logout")
    assert WRONG in text(login(client, "lisi"))  # the company password is not this account's
    assert login(client, "lisi", PASSWORD).status_code == 302
    assert not db.session.scalar(select(ExternalIdentity.id))


def test_unknown_people_get_no_account_when_so_configured(client, app, directory):
    app.config["LDAP_CREATE_USERS"] = False
    response = login(client, "lisi")
    assert "尚未开通" in text(response) and not logged_in(client)
    assert get_user("lisi") is None


def test_direct_bind_without_a_service_account(client, app, directory):
    app.config.update(LDAP_BIND_DN="", LDAP_BIND_PASSWORD="", LDAP_USER_DN_TEMPLATE=f"uid={{username}},{PEOPLE}")
    assert login(client, "wangwu").status_code == 302
    user = get_user("wangwu")
    assert user.roles == {"worker", "delegate", "union_admin"}  # groups read with the person's own rights
    client.post("/logout")
    assert WRONG in text(login(client, "wangwu", "wrong"))
    assert DISABLED_THERE in text(login(client, "zhaoliu"))


def test_a_role_that_needs_a_second_factor_asks_for_it(client, app, directory):
    app.config["SECOND_FACTOR_REQUIRED_ROLES"] = ("union_admin",)
    response = login(client, "wangwu")  # in the union-office group: union_admin
    assert response.status_code == 302 and response.location == "/login/second-factor"
    assert not logged_in(client)
    api = client.post("/api/v1/auth/token", json={"username": "wangwu", "password": COMPANY_PASSWORD})
    assert api.status_code == 403 and api.json["code"] == "second_factor_required"


def test_directory_down_is_said_and_locks_no_local_account_out(client, app, directory, make):
    login(client, "lisi")
    client.post("/logout")
    lisi = get_user("lisi")
    make.user("worker", username="local")
    app.config["LDAP_URL"] = f"ldap://127.0.0.1:{free_port()}"  # nothing listens there
    attempts = db.session.scalar(select(func.count(LoginAttempt.id)))
    for _ in range(6):  # more than the throttle allows: a directory outage is no failed password
        response = login(client, "lisi")
        assert response.status_code == 200 and DIRECTORY_DOWN in text(response)
    api = client.post("/api/v1/auth/token", json={"username": "lisi", "password": COMPANY_PASSWORD})
    assert api.status_code == 503 and DIRECTORY_DOWN in api.json["error"]
    assert db.session.scalar(select(func.count(LoginAttempt.id))) == attempts
    assert db.session.scalar(
        select(func.count(AuditEntry.id)).where(AuditEntry.action == "login.directory_unavailable")
    )
    assert login(client, "local", PASSWORD).status_code == 302  # local accounts log in as ever
    client.post("/logout")
    lisi.set_password(PASSWORD)  # an administrator gave the directory user a local password
    db.session.commit()
    assert login(client, "lisi", PASSWORD).status_code == 302


def test_english_messages(client, app, directory):
    app.config["LDAP_URL"] = f"ldap://127.0.0.1:{free_port()}"
    response = client.post("/login?lang=en", data={"username": "lisi", "password": "x"})
    assert "The company directory cannot be reached just now" in text(response)


def test_login_page_says_the_company_account_works(client, app, directory):
    assert "公司账号" in text(client.get("/login"))
    app.config["LDAP_URL"] = ""
    assert "公司账号" not in text(client.get("/login"))


def test_settings_from_the_environment(monkeypatch, tmp_path):
    from proposals import create_app
    from proposals.config import ConfigurationError

    from .conftest import app_config

    roles = '{"cn=union-office,ou=groups,dc=example,dc=cn": "union_admin"}'
    monkeypatch.setenv("LDAP_URL", "ldaps://dc1.corp.example.cn")
    monkeypatch.setenv("LDAP_GROUP_ROLES", roles)
    monkeypatch.setenv("LDAP_CREATE_USERS", "false")
    monkeypatch.setenv("LDAP_TIMEOUT", "2.5")
    app = create_app(app_config(f"sqlite:///{tmp_path / 'env.sqlite'}"))
    assert app.config["LDAP_URL"] == "ldaps://dc1.corp.example.cn"
    assert app.config["LDAP_GROUP_ROLES"] == {"cn=union-office,ou=groups,dc=example,dc=cn": "union_admin"}
    assert app.config["LDAP_CREATE_USERS"] is False and app.config["LDAP_TIMEOUT"] == 2.5
    monkeypatch.setenv("LDAP_GROUP_ROLES", "union_admin")
    with pytest.raises(ConfigurationError, match="must be JSON"):
        create_app(app_config(f"sqlite:///{tmp_path / 'env.sqlite'}"))


@pytest.mark.parametrize("how", ["ldaps", "starttls"])
def test_tls_with_the_servers_certificate(client, app, directory, slapd, how):
    url = slapd.ldaps_url if how == "ldaps" else slapd.url
    app.config.update(LDAP_URL=url, LDAP_START_TLS=how == "starttls", LDAP_CA_FILE=str(slapd.certificate))
    assert login(client, "lisi").status_code == 302
    client.post("/logout")
    app.config["LDAP_CA_FILE"] = "/etc/ssl/certs/ca-certificates.crt"  # the system's CAs do not know it
    response = login(client, "lisi")
    assert DIRECTORY_DOWN in text(response)


def test_active_directorys_object_guid_is_the_subject(app):
    import uuid

    guid = uuid.UUID("2f1b4a5c-3d6e-4f70-8192-a3b4c5d6e7f8")
    app.config["LDAP_ID_ATTRIBUTE"] = "objectGUID"
    result = {"dn": "CN=张三,OU=员工,DC=corp,DC=example,DC=cn", "raw_attributes": {"objectGUID": [guid.bytes_le]}}
    assert directory_client._subject(result) == str(guid)  # as AD shows it, from its little-endian bytes
    app.config["LDAP_ID_ATTRIBUTE"] = ""
    assert directory_client._subject(result) == "cn=张三,ou=员工,dc=corp,dc=example,dc=cn"  # else the DN
