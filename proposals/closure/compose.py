"""The email of one notification: plain text, in the recipient's language (Chinese unless they chose
otherwise), with the proposal's title, what happened, and a link. Never the author's name of a
confidential proposal, never the name of whoever acted."""

from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale, format_date
from sqlalchemy import select

from workflow.errors import N_

from ..branding import site_name
from ..extensions import db
from ..i18n import translate
from ..models import HistoryEntry, Notification, Reminder
from ..web import choice_label
from ..web.event_forms import FIELD_LABELS
from .mail import MailConfig
from .messages import sentence

# what of an event's record the message repeats, in this order; the rest is on the proposal's page
DETAIL_FIELDS = ("reason", "comment", "note", "outcome", "text", "contact", "rating", "attitude")
DEADLINE_FIELDS = {"ack_deadline": N_("Acknowledge by"), "reply_deadline": N_("Reply by")}


def reminder_due(notification: Notification) -> date | None:
    """The deadline a reminder or overdue notice is about (None for other notifications)."""
    return db.session.scalar(select(Reminder.due).where(Reminder.notification_id == notification.id))


def absolute_url(config: MailConfig, endpoint: str, **values) -> str:
    """A link to a page of the application, for use outside a request (a message, a command)."""
    base = urlsplit(config.base_url)
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http")
    return adapter.build(endpoint, values, force_external=True)


def details(entry: HistoryEntry | None) -> list[tuple[str, str]]:
    """(label, value) of what the event's record says, as the recipient reads it."""
    if entry is None:
        return []
    payload = entry.payload or {}
    shown = []
    for name in DETAIL_FIELDS:
        value = payload.get(name)
        if value in (None, ""):
            continue
        if name in ("outcome", "rating", "attitude"):
            value = choice_label(value)
        shown.append((translate(FIELD_LABELS[name]), str(value)))
    for name, label in DEADLINE_FIELDS.items():
        if payload.get(name):
            shown.append((translate(label), _long_date(date.fromisoformat(payload[name]))))
    return shown


def _long_date(day: date) -> str:
    return format_date(day, "long")


def compose(notification: Notification, config: MailConfig, now: datetime) -> EmailMessage:
    """The message to send for `notification` to its user's address."""
    user, proposal = notification.user, notification.proposal
    entry = db.session.get(HistoryEntry, notification.history_id) if notification.history_id else None
    due = reminder_due(notification)
    locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        text = sentence(notification.event, proposal, due)
        subject = f"[{site_name()}] {text}"
        body = render_template(
            "mail/notification.txt",
            user=user,
            proposal=proposal,
            sentence=text,
            details=details(entry),
            due=_long_date(due) if due else None,
            show_author=proposal is not None and not proposal.confidential,
            link=absolute_url(config, "proposals.detail", proposal_id=proposal.id)
            if proposal is not None
            else absolute_url(config, "notifications.index"),
            settings_link=absolute_url(config, "notifications.settings"),
            product=site_name(),
        )
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config.sender
    message["To"] = formataddr((user.name, user.email))
    message["Date"] = format_datetime(now.replace(tzinfo=UTC))
    # the same id on every attempt, so a mail system that sees a message twice can tell
    domain = parseaddr(config.sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<notification-{notification.id}-{notification.created_at:%Y%m%d%H%M%S}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message
