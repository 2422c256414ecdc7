"""What a notification says: one sentence per event, the same in the notification list and in the email.

Sentences never name the author or the person who acted: the author of a confidential proposal must
stay hidden from departments, and a rating or withdrawal is the author's act. The title is the one
the reader may read when the sentence is made (references.title_for): a proposal sent back for
revision is a draft again, and its new title is not theirs to read.
"""

from datetime import date

from flask_babel import format_date, gettext

from workflow.errors import N_

from ..references import title_for

SENTENCES = {
    # lifecycle events (workflow/definition.py `notify`)
    "submit": N_("You are invited to co-sign the proposal “%(title)s”."),
    "withdraw": N_("The proposal “%(title)s” you co-signed has been withdrawn."),
    "cosign": N_("Your proposal “%(title)s” has a new co-signer."),
    "close_cosigning": N_(
        "Co-signing of “%(title)s” has closed with too few co-signers: it goes to review as a suggestion."
    ),
    "forward": N_("Your delegation has forwarded “%(title)s” to the proposal committee."),
    "send_back": N_("“%(title)s” has been sent back for revision."),
    "accept": N_("“%(title)s” has been accepted as proposal No. %(number)s."),
    "convert": N_("“%(title)s” has been accepted as a suggestion (No. %(number)s)."),
    "reject": N_("“%(title)s” has not been accepted."),
    "merge": N_("“%(title)s” has been merged into another proposal."),
    "assign": N_("“%(title)s” has been assigned to your department."),
    "decline": N_("A department has asked to return “%(title)s” for re-assignment."),
    "progress": N_("Progress has been recorded on “%(title)s”."),
    "countersign": N_("A co-handling department has countersigned the reply to “%(title)s”."),
    "reply": N_("“%(title)s” has been replied to: please read the reply and rate it."),
    "evaluate": N_("The reply to “%(title)s” has been rated."),
    "close_unrated": N_("“%(title)s” has been closed without a rating."),
    "urge": N_("The supervisor urges your department to handle “%(title)s”."),
    "extend": N_("The reply deadline of “%(title)s” has been extended."),
    # deadline reminders and overdue notices (closure/reminders.py)
    "remind_ack": N_("Please acknowledge “%(title)s” by %(due)s."),
    "remind_reply": N_("The reply to “%(title)s” is due on %(due)s."),
    "remind_feedback": N_("Please rate the reply to “%(title)s” by %(due)s; after that it closes without a rating."),
    "remind_cosign": N_("Co-signing of “%(title)s” closes on %(due)s."),
    "overdue_ack": N_("“%(title)s” is overdue: it was to be acknowledged by %(due)s."),
    "overdue_reply": N_("“%(title)s” is overdue: the reply was due on %(due)s."),
    # accounts (proposals/auth/reset.py)
    "password_reset": N_(
        "A link to set a new password was sent to your email address. If you did not ask for it, tell the union office."
    ),
}
OTHER = N_("There is news about “%(title)s”.")


def reminder_event(kind: str, stage: str) -> str:
    """The notification event of a reminder (stage before) or an overdue notice (stage overdue)."""
    return f"{'remind' if stage == 'before' else 'overdue'}_{kind}"


def sentence(event: str, proposal, due: date | None = None, *, reader) -> str:
    """The notification's sentence in the present language, as `reader` may read it now."""
    msgid = SENTENCES.get(event, OTHER)
    return gettext(
        msgid,
        title=title_for(reader, proposal),
        number=(proposal.number if proposal is not None else None) or "",
        due=format_date(due, "long") if due else "",
    )
