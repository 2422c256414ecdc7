"""What a message by SMS or a messenger says: the notice's sentence in Chinese, and a link to the proposal.

The sentence is the one of the notification list and the email (closure/messages.py), with the title the
reader may read at the moment the message is made (references.title_for): a person reads what they may
see; a department's group, whose members nobody knows, reads the neutral reference. No sentence names
the author or whoever acted, so a confidential author stays hidden.

By SMS the whole message, the provider's signature 【…】 included, fits one segment of 70 characters:
the title is shortened (…) as far as needed, and given up for the neutral reference last.
"""

from datetime import date

from flask import current_app
from flask_babel import force_locale, format_date, gettext

from ...branding import site_name
from ...models import Notification
from ...references import title_for
from ..compose import absolute_url, reminder_due
from ..mail import MailConfig
from ..messages import template
from .messengers import Message

SMS_SEGMENT = 70  # characters of one SMS in Chinese (UCS-2), the signature included
LOCALE = "zh_Hans_CN"


def link(notification: Notification, key: str | None = None) -> str:
    """The proposal's page (the home page for a notice of no proposal), with the key when given."""
    config = MailConfig.from_app(current_app.config)
    if notification.proposal_id is None:
        url = absolute_url(config, "tasks.index")
    else:
        url = absolute_url(config, "proposals.detail", proposal_id=notification.proposal_id)
    return f"{url}?ref={key}" if key else url


def _sentence(event: str, proposal, due: date | None, title: str) -> str:
    return gettext(
        template(event),
        title=title,
        number=(proposal.number if proposal is not None else None) or "",
        due=format_date(due, "long") if due else "",
    )


def notice(notification: Notification, reader, key: str) -> Message:
    """The message of `notification` for `reader` (None: a group), in Chinese, with its key in the link."""
    with force_locale(LOCALE):
        proposal = notification.proposal
        text = _sentence(notification.event, proposal, reminder_due(notification), title_for(reader, proposal))
        return Message(title=site_name(), text=text, link=link(notification, key))


def sms(notification: Notification, reader, sign_name: str) -> tuple[str, str]:
    """(content, link) of the SMS, within one segment with the signature and the space between them."""
    with force_locale(LOCALE):
        proposal = notification.proposal
        due = reminder_due(notification)
        url = link(notification)
        room = SMS_SEGMENT - len(f"【{sign_name}】") - 1 - len(url)
        title = title_for(reader, proposal)
        content = _sentence(notification.event, proposal, due, title)
        cut = len(title) - 1
        while len(content) > room and cut >= 4:
            content = _sentence(notification.event, proposal, due, title[:cut] + "…")
            cut -= 1
        if len(content) > room and proposal is not None:
            content = _sentence(notification.event, proposal, due, f"#{proposal.id}")
        if len(content) > room:
            content = content[: max(room - 1, 0)] + "…"
        return content, url
