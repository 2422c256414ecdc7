"""The channels page (通知渠道): the union's default channels per kind of notice, the department groups'
robots, and the channels this installation is set up for. Each change writes its audit row."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from workflow import InvalidPayload

from ...closure.channels import outbox as channel_outbox
from ...closure.channels import preferences, robots
from ...closure.outbox import NotFailed
from ...extensions import db
from ...i18n import translate
from ...models import OrgUnit
from ...models.channels import GROUP, PERSONAL_CHANNELS
from ...operations import NotFound
from . import bp


def _page(errors: dict | None = None, status: int = 200):
    departments = list(db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "department").order_by(OrgUnit.code)))
    return (
        render_template(
            "admin/channels.html",
            defaults=preferences.defaults_view(),
            channels=(*PERSONAL_CHANNELS, GROUP),
            ready=preferences.configured(),
            robots=robots.robots(),
            departments=departments,
            kind_labels=preferences.KIND_LABELS,
            channel_labels=preferences.CHANNEL_LABELS,
            errors=errors or {},
        ),
        status,
    )


@bp.get("/channels")
def channels_page():
    """Show the default channels per kind of notice and the group robots."""
    return _page()


@bp.post("/channels/defaults")
def save_channel_defaults():
    """Set the union's default channels of every kind of notice."""
    kinds = {kind: [c for c in request.form.getlist(f"kind-{kind}") if c] for kind in preferences.KINDS}
    try:
        preferences.update_defaults({"kinds": kinds}, actor=current_user)
    except InvalidPayload as exc:
        return _page({name: translate(msg) for name, msg in exc.fields.items()}, 422)
    flash(gettext("The default channels have been saved."), "success")
    return redirect(url_for("admin.channels_page"))


@bp.post("/channels/robots")
def add_group_robot():
    """Give a department's group a robot."""
    try:
        robots.add_robot(request.form.to_dict(), actor=current_user)
    except InvalidPayload as exc:
        return _page({name: translate(msg) for name, msg in exc.fields.items()}, 422)
    flash(gettext("The group robot has been saved."), "success")
    return redirect(url_for("admin.channels_page"))


@bp.post("/channels/robots/<int:robot_id>/remove")
def remove_group_robot(robot_id: int):
    """Remove a department group's robot."""
    try:
        robots.remove_robot(robot_id, actor=current_user)
    except NotFound:
        abort(404)
    flash(gettext("The group robot has been removed."), "success")
    return redirect(url_for("admin.channels_page"))


@bp.post("/outbox/deliveries/<int:delivery_id>/retry")
def retry_delivery(delivery_id: int):
    """Put an undelivered SMS or messenger message back in the outbox, with the same idempotency key."""
    try:
        row = channel_outbox.retry_failed(delivery_id, actor=current_user)
    except NotFound:
        abort(404)
    except NotFailed:
        flash(gettext("This message is no longer waiting to be sent again; nothing was changed."), "warning")
        from .outbox import _page as outbox_page

        return outbox_page(409)
    flash(gettext("Message #%(id)s will be sent again at the next run.", id=f"{row.channel}-{row.id}"), "success")
    return redirect(url_for("admin.outbox_page"))
