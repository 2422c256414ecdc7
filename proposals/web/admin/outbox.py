"""The outbox page (待发消息): the messages that could not be delivered, with why, to send again.

Under /admin, so for union administrators only (the blueprint's check). A message is parked here
after its last attempt (proposals/closure/outbox.py); sending it again puts it back in the outbox,
due at once, and writes a row of the audit log.
"""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from ...closure import outbox
from ...closure.channels import outbox as channel_outbox
from ...closure.channels.texts import notice
from ...closure.compose import reminder_due
from ...closure.messages import sentence
from ...operations import NotFound
from . import bp

SHOWN = 200


def _page(status: int = 200):
    failed = outbox.failed_messages(SHOWN)
    deliveries = channel_outbox.failed_deliveries(SHOWN)
    return (
        render_template(
            "admin/outbox.html",
            failed=failed,
            counts=outbox.state_counts(),
            shown=SHOWN,
            about={n.id: sentence(n.event, n.proposal, reminder_due(n), reader=current_user) for n in failed},
            deliveries=deliveries,
            channel_counts=channel_outbox.state_counts(),
            delivery_about={d.id: notice(d.notification, current_user, d.key).text for d in deliveries},
        ),
        status,
    )


@bp.get("/outbox")
def outbox_page():
    """List the messages that could not be delivered."""
    return _page()


@bp.post("/outbox/<int:notification_id>/retry")
def retry_message(notification_id: int):
    """Put an undelivered message back in the outbox, to be sent at the next run."""
    try:
        row = outbox.retry_failed(notification_id, actor=current_user)
    except NotFound:
        abort(404)
    except outbox.NotFailed:
        flash(gettext("This message is no longer waiting to be sent again; nothing was changed."), "warning")
        return _page(409)
    flash(gettext("Message #%(id)s will be sent again at the next run.", id=row.id), "success")
    return redirect(url_for("admin.outbox_page"))
