"""The command-line tools."""

from proposals.extensions import db
from proposals.models import User

from .conftest import get_user


def test_create_user_with_roles_department_and_delegation(runner, make):
    dept = make.unit("department", code="HR")
    delegation = make.unit("delegation", code="D1")
    result = runner.invoke(
        args=[
            "create-user",
            "zhang",
            "--name",
            "张三",
            "--password",
            "S3cret-Pass!",
            "--role",
            "delegate",
            "--role",
            "department_handler",
            "--department",
            "HR",
            "--delegation",
            "D1",
            "--email",
            "z@x.cn",
        ]
    )
    assert result.exit_code == 0, result.output
    user = get_user("zhang")
    assert user.roles == {"delegate", "department_handler"}
    assert (user.department_id, user.delegation_id, user.name) == (dept.id, delegation.id, "张三")
    assert user.check_password("S3cret-Pass!") and not user.check_password("wrong")
    assert "S3cret-Pass!" not in user.password_hash


def test_create_user_refuses_unknown_role_or_code_and_creates_nothing(runner, make):
    make.unit("delegation", code="D1")
    for args in (
        ["--role", "king"],
        ["--role", "worker", "--department", "NOPE"],
        ["--role", "worker", "--department", "D1"],  # a delegation is not a department
        ["--role", "worker", "--password", "short"],
    ):
        base = ["create-user", "li", "--name", "李四"]
        if "--password" not in args:
            base += ["--password", "Long-Enough-26"]
        result = runner.invoke(args=[*base, *args])
        assert result.exit_code != 0
        assert "Error" in result.output
    assert db.session.query(User).count() == 0


def test_create_user_refuses_a_taken_username(runner, make):
    make.user("worker", username="wang")
    result = runner.invoke(
        args=["create-user", "wang", "--name", "王五", "--password", "Long-Enough-26", "--role", "worker"]
    )
    assert result.exit_code != 0 and "username" in result.output


def test_workflow_diagram(runner):
    result = runner.invoke(args=["workflow", "diagram"])
    assert result.exit_code == 0
    assert result.output.startswith("stateDiagram-v2")
    assert "review --> accepted: accept (committee)" in result.output
