"""What a notification says: one sentence per event, the same in the notification list and in the email.

A lifecycle event's sentence is in its register entry, checked at import; a notification of a kind
nobody defined a sentence for is an error, not a generic "there is news".

Sentences never name the author or the person who acted: the author of a confidential proposal must
stay hidden from departments, and a rating or withdrawal is the author's act. The title is the one
the reader may read when the sentence is made (references.title_for): a proposal sent back for
revision is a draft again, and its new title is not theirs to read.
"""

from datetime import date

from flask_babel import format_date, gettext

from workflow.errors import N_

from ..operations.register import REGISTER, notice_sentence, notices
from ..references import title_for

# the lifecycle events' sentences are in their register entries (operations/register.py); these are
# the notices that are not lifecycle events
NOTICES = {
    # deadline reminders and overdue notices (closure/reminders.py)
    "remind_ack": N_("Please acknowledge “%(title)s” by %(due)s."),
    "remind_reply": N_("The reply to “%(title)s” is due on %(due)s."),
    "remind_feedback": N_("Please rate the reply to “%(title)s” by %(due)s; after that it closes without a rating."),
    "remind_cosign": N_("Co-signing of “%(title)s” closes on %(due)s."),
    "overdue_ack": N_("“%(title)s” is overdue: it was to be acknowledged by %(due)s."),
    "overdue_reply": N_("“%(title)s” is overdue: the reply was due on %(due)s."),
    "remind_countersign": N_("Please countersign the draft reply to “%(title)s” by %(due)s."),
    "overdue_countersign": N_("“%(title)s” is overdue: the draft reply was to be countersigned by %(due)s."),
    # the dialogue on a proposal (operations/messages.py): never its text, which not every channel may carry
    "message": N_("There is a new message on “%(title)s”."),
    # accounts (proposals/auth/reset.py)
    "password_reset": N_(
        "A link to set a new password was sent to your email address. If you did not ask for it, tell the union office."
    ),
    # accounts (proposals/auth/activation.py)
    "activation_code": N_("An activation code for your account was sent to you. With it you set your own password."),
}


def template(event: str) -> str:
    """The msgid of the sentence of a notification of `event`: its register entry's, or a notice's."""
    return notice_sentence(event) or NOTICES[event]


def kinds() -> tuple[str, ...]:
    """Every kind of notification there is: the lifecycle events that tell someone, the notices of their
    ways (a draft reply to countersign), then the other notices."""
    return (*(event for event, entry in REGISTER.items() if entry.sentence), *notices(), *NOTICES)


def reminder_event(kind: str, stage: str) -> str:
    """The notification event of a reminder (stage before) or an overdue notice (stage overdue)."""
    return f"{'remind' if stage == 'before' else 'overdue'}_{kind}"


def sentence(event: str, proposal, due: date | None = None, *, reader) -> str:
    """The notification's sentence in the present language, as `reader` may read it now."""
    return gettext(
        template(event),
        title=title_for(reader, proposal),
        number=(proposal.number if proposal is not None else None) or "",
        due=format_date(due, "long") if due else "",
    )
