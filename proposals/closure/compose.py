"""The email of one notification: plain text, in the recipient's language (Chinese unless they chose
otherwise), with the proposal's title, what happened, and a link. Never the author's name of a
confidential proposal, never the name of whoever acted.

Every header is one line of plain text whatever the database holds: a title or a name with CR, LF or
other control characters (typed before the forms refused them, imported, restored) has them turned
into spaces, so no text can start a header of its own (a Bcc:, say). An address that is not a plain
address is not mailed at all.
"""

import re
from datetime import UTC, date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale, format_date
from sqlalchemy import select

from workflow import LIFECYCLE
from workflow.errors import N_
from workflow.payload import Choice

from ..access import can_see_handling, can_view
from ..branding import site_name
from ..extensions import db
from ..i18n import translate
from ..labels import choice_label
from ..models import HistoryEntry, Notification, Reminder
from ..operations.register import REGISTER, handling_record
from .mail import DeliveryError, MailConfig
from .messages import sentence

# besides the payload fields each event's register entry has the message repeat (its `details`), the
# deadlines its handler records; the rest is on the proposal's page
DEADLINE_FIELDS = {"ack_deadline": N_("Acknowledge by"), "reply_deadline": N_("Reply by")}
# C0 and C1 controls (CR, LF, tab, NUL, ESC...) and the Unicode line and paragraph separators
CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def header_text(value: str) -> str:
    """`value` as one line for a header: controls become spaces, runs of spaces one space."""
    return " ".join(CONTROLS.sub(" ", value or "").split())


def mail_address(address: str | None) -> str:
    """The address itself, or DeliveryError (for good) when it is not one an SMTP server can take."""
    name, parsed = parseaddr(address or "")
    if not address or CONTROLS.search(address) or name or parsed != address or parsed.count("@") != 1:
        raise DeliveryError(f"Not a mail address: {address!r}"[:500], permanent=True)
    local, _, domain = parsed.rpartition("@")
    if not local or not domain or any(c.isspace() for c in parsed):
        raise DeliveryError(f"Not a mail address: {address!r}"[:500], permanent=True)
    return parsed


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
    registered = REGISTER.get(entry.event)  # None: not a lifecycle event (an edit, a calendar recount)
    fields = LIFECYCLE.event(entry.event).payload if registered else {}
    for name in registered.details if registered else ():
        value = payload.get(name)
        if value in (None, ""):
            continue
        if isinstance(fields[name], Choice):  # a reply class or a rating: as the page shows it
            value = choice_label(value)
        shown.append((translate(registered.labels[name]), str(value)))
    for name, label in DEADLINE_FIELDS.items():
        if payload.get(name):
            shown.append((translate(label), _long_date(date.fromisoformat(payload[name]))))
    return shown


def _long_date(day: date) -> str:
    return format_date(day, "long")


def compose(notification: Notification, config: MailConfig, now: datetime) -> EmailMessage:
    """The message to send for `notification` to its user's address."""
    if notification.event == "password_reset":  # a forgotten-password link, not news of a proposal
        from ..auth import reset

        return reset.compose(notification, config, now)
    if notification.event == "activation_code":  # an account's activation code (auth/activation.py)
        from ..auth import activation

        return activation.compose(notification, config, now)
    user, proposal = notification.user, notification.proposal
    entry = db.session.get(HistoryEntry, notification.history_id) if notification.history_id else None
    due = reminder_due(notification)
    locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    # what the proposal's page would show the recipient now: a proposal they may no longer view (a
    # draft again, after being sent back) is named neutrally, without its title or the event's record
    visible = proposal is not None and can_view(user, proposal)
    record = handling_record(entry.event) if entry is not None else None
    shows_record = visible and (record is None or can_see_handling(user, proposal, record))
    with force_locale(locale):
        text = sentence(notification.event, proposal, due, reader=user)
        subject = f"[{site_name()}] {text}"
        body = render_template(
            "mail/notification.txt",
            user=user,
            proposal=proposal if visible else None,
            sentence=text,
            details=details(entry) if shows_record else [],
            due=_long_date(due) if due else None,
            show_author=visible and not proposal.confidential,
            link=absolute_url(config, "proposals.detail", proposal_id=proposal.id)
            if visible
            else absolute_url(config, "notifications.index"),
            settings_link=absolute_url(config, "notifications.settings"),
            product=site_name(),
        )
    # the same id on every attempt, so a mail system that sees a message twice can tell
    stamp = f"notification-{notification.id}-{notification.created_at:%Y%m%d%H%M%S}"
    return message_to(user, subject, body, config, now, stamp)


def message_to(user, subject: str, body: str, config: MailConfig, now: datetime, stamp: str) -> EmailMessage:
    """The email to `user`, its headers one line each whatever the database holds; `stamp` makes its
    Message-ID, the same on every attempt."""
    message = EmailMessage()
    message["Subject"] = header_text(subject)
    sender_name, sender = parseaddr(header_text(config.sender))
    # as Address objects, not formatted text: the library then encodes a name with non-ASCII and
    # address characters (":", ",", "<") as one word, where a formatted one loses its quotes on the way out
    message["From"] = Address(display_name=header_text(sender_name), addr_spec=sender)
    message["To"] = Address(display_name=header_text(user.name), addr_spec=mail_address(user.email))
    message["Date"] = format_datetime(now.replace(tzinfo=UTC))
    domain = re.sub(r"[\s<>]", "", sender.rpartition("@")[2]) or "localhost"
    message["Message-ID"] = f"<{stamp}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message
