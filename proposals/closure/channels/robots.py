"""The department groups' robots (群机器人): added and removed by the union administrators, with audit rows."""

from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select, update

from workflow import InvalidPayload
from workflow.errors import N_
from workflow.payload import text_problem

from ...extensions import db
from ...inputs import id_or_nothing
from ...models import Delivery, GroupRobot, OrgUnit, User
from ...models.channels import MESSENGERS
from ...operations import NotFound, audit, clock
from ...operations.admin import authorize
from ...operations.unit import finish


def robots() -> list[GroupRobot]:
    return list(db.session.scalars(select(GroupRobot).order_by(GroupRobot.department_id, GroupRobot.provider)))


def add_robot(data: dict, *, actor: User | None, now: datetime | None = None) -> GroupRobot:
    """Give a department's group a robot of one messenger (replacing the one it had), with its audit row."""
    authorize(actor)
    now = now or clock.utcnow()
    errors: dict = {}
    data = data if isinstance(data, dict) else {}
    provider = data.get("provider")
    if provider not in MESSENGERS:
        errors["provider"] = N_("Choose 企业微信, 钉钉 or 飞书.")
    department_id = id_or_nothing(data.get("department_id"))  # (only an id an integer column can hold)
    department = db.session.get(OrgUnit, department_id) if department_id is not None else None
    if department is None or department.kind != "department":
        errors["department_id"] = N_("Choose a department.")
    webhook = (data.get("webhook") or "").strip() if isinstance(data.get("webhook"), str) else ""
    parts = urlsplit(webhook)
    if not webhook or parts.scheme not in ("https", "http") or not parts.netloc or len(webhook) > 500:
        errors["webhook"] = N_("Paste the robot's webhook address (https://…).")
    elif text_problem(webhook, multiline=False):
        errors["webhook"] = text_problem(webhook, multiline=False)
    secret = data.get("secret") or ""
    if not isinstance(secret, str) or len(secret) > 255 or text_problem(secret, multiline=False):
        errors["secret"] = N_("The signing secret is one line of at most 255 characters.")
    if errors:
        raise InvalidPayload(errors)
    robot = db.session.scalar(
        select(GroupRobot).where(GroupRobot.department_id == department.id, GroupRobot.provider == provider)
    )
    if robot is None:
        robot = GroupRobot(department_id=department.id, provider=provider, created_at=now)
        db.session.add(robot)
    robot.webhook, robot.secret = webhook, secret.strip() or None
    db.session.flush()
    host = parts.netloc  # the token is part of the address: the log names only the host
    audit.record(
        "channels.robot_set",
        robot,
        {"department": department.name, "provider": provider, "host": host},
        actor=actor,
        now=now,
    )
    finish()
    return robot


def remove_robot(robot_id: int, *, actor: User | None, now: datetime | None = None) -> None:
    """Remove a group's robot; what was waiting for it is skipped; with its audit row."""
    authorize(actor)
    robot = db.session.get(GroupRobot, robot_id)
    if robot is None:
        raise NotFound()
    details = {"department": robot.department.name, "provider": robot.provider}
    db.session.execute(
        update(Delivery)
        .where(Delivery.robot_id == robot.id, Delivery.state.in_(("pending", "failed")))
        .values(state="skipped", last_error="The group's robot was removed.", robot_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(update(Delivery).where(Delivery.robot_id == robot.id).values(robot_id=None))
    audit.record("channels.robot_removed", robot, details, actor=actor, now=now or clock.utcnow())
    db.session.delete(robot)
    finish()
