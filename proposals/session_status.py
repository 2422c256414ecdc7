"""Where a congress session stands, from its dates: 未开始, 征集中, 审查与办理中, 已结束.

One function for the sessions' pages and the API's `status` field alike. A session not open
(`is_open` false) has ended, whatever its dates; an open one has not started before its
`collection_start`, is collecting through its `collection_end` (a date left empty does not bound the
window), and after that its proposals are being reviewed and handled.
"""

from datetime import date

from flask_babel import gettext

from workflow.errors import N_

from .operations import clock

NOT_STARTED, COLLECTING, HANDLING, ENDED = "not_started", "collecting", "handling", "ended"
LABELS = {
    NOT_STARTED: N_("Not started"),
    COLLECTING: N_("Collecting proposals"),
    HANDLING: N_("Review and handling"),
    ENDED: N_("Ended"),
}
STATUSES = tuple(LABELS)


def status_of(session, today: date | None = None) -> str:
    """Where `session` stands on `today` (China's date now unless told)."""
    today = today or clock.local_date(clock.utcnow())
    if not session.is_open:
        return ENDED
    if session.collection_start is not None and today < session.collection_start:
        return NOT_STARTED
    if session.collection_end is not None and today > session.collection_end:
        return HANDLING
    return COLLECTING


def status_label(session, today: date | None = None) -> str:
    """How `session`'s status reads, in the current language."""
    return gettext(LABELS[status_of(session, today)])
