"""Which deliveries a new notification gets: one per channel its reader chose for its kind (and can be
reached by), and one to each department group whose robot the union has the kind told to.

Called in the transaction that writes the notifications, so the deliveries are written with them or not
at all. A channel the installation has no settings for gets none.
"""

import uuid

from sqlalchemy import insert, select

from ...extensions import db
from ...models import Delivery, ExternalIdentity, GroupRobot, User, UserRole
from ...models.channels import MESSENGERS
from .preferences import choices, configured, defaults, group_kinds


def wanted(union_defaults: dict) -> bool:
    """Whether any notification gets a delivery: a channel besides email is set up, or a kind goes to groups."""
    return bool(set(configured()) - {"email"} or group_kinds(union_defaults))


def queue_deliveries(rows, union_defaults: dict | None = None) -> int:
    """`rows`: (notification id, user id, event) of notifications just written. Adds their deliveries.
    `union_defaults`: preferences.defaults(), when the caller read them already."""
    rows = list(rows)
    union_defaults = union_defaults if union_defaults is not None else defaults()
    ready = set(configured()) - {"email"}
    group = group_kinds(union_defaults)
    if not rows or not (ready or group):
        return 0
    user_ids = {r[1] for r in rows}
    mobiles, ids = {}, {}
    if "sms" in ready:
        mobiles = dict(db.session.execute(select(User.id, User.mobile).where(User.id.in_(user_ids))).all())
    wanted_messengers = ready & set(MESSENGERS)
    if wanted_messengers:
        for user_id, provider, subject in db.session.execute(
            select(ExternalIdentity.user_id, ExternalIdentity.provider, ExternalIdentity.subject).where(
                ExternalIdentity.user_id.in_(user_ids), ExternalIdentity.provider.in_(wanted_messengers)
            )
        ):
            ids[(user_id, provider)] = subject
    by_kind: dict[str, dict] = {}
    deliveries = []
    for notification_id, user_id, event in rows:
        if event not in by_kind:
            by_kind[event] = choices([r[1] for r in rows if r[2] == event], event, union_defaults)
        for channel in sorted(by_kind[event].get(user_id, frozenset()) & ready):
            address = mobiles.get(user_id) if channel == "sms" else ids.get((user_id, channel))
            if address:
                deliveries.append(_row(notification_id, channel, address))
    deliveries.extend(_group_deliveries([r for r in rows if r[2] in group]))
    if deliveries:
        db.session.execute(insert(Delivery.__table__), deliveries)
    return len(deliveries)


def _row(notification_id: int, channel: str, address: str, robot_id: int | None = None) -> dict:
    return {
        "notification_id": notification_id,
        "channel": channel,
        "address": address,
        "robot_id": robot_id,
        "key": uuid.uuid4().hex,
        "state": "pending",
        "attempts": 0,
    }


def _group_deliveries(rows) -> list[dict]:
    """One message per notice and department group: to the robots of the departments of the handlers told."""
    if not rows:
        return []
    handlers = dict(
        db.session.execute(
            select(User.id, User.department_id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.id.in_({r[1] for r in rows}),
                UserRole.role == "department_handler",
                User.department_id.is_not(None),
            )
        ).all()
    )
    if not handlers:
        return []
    robots: dict[int, list[GroupRobot]] = {}
    for robot in db.session.scalars(select(GroupRobot).where(GroupRobot.department_id.in_(set(handlers.values())))):
        robots.setdefault(robot.department_id, []).append(robot)
    told: set[tuple] = set()
    found = []
    for notification_id, user_id, event in rows:
        for robot in robots.get(handlers.get(user_id), []):
            if (robot.id, event) in told:  # the group hears of this notice once, by its first notification
                continue
            told.add((robot.id, event))
            found.append(_row(notification_id, f"{robot.provider}_robot", str(robot.id), robot.id))
    return found
