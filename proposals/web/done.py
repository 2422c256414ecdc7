"""What the person who fired an event is told happened ("已立案，案号第 28 号"), not "done: accept".

The sentence is the event's `done` in the register (operations/register.py, checked at import for
every event a person fires); this fills in the proposal's values after the event, as the actor may
read them: the number it was given, the state it now stands at, the department it went to, the
proposal it was merged into, the days added, the rating given.
"""

from flask_babel import gettext

from ..labels import choice_label, state_label
from ..operations.register import entry
from ..references import title_for


def done_message(event: str, proposal, payload: dict, reader) -> str:
    """The flash message of `event` just fired on `proposal` by `reader`, in the current language."""
    registered = entry(event)
    notice = next((d.notice for d in getattr(proposal, "decisions", ()) if d.event == event), None)
    msgid = registered.done_if.get(notice, registered.done)
    if msgid is None:  # (a system event: nobody is told it was done)
        return ""
    lead = proposal.lead_assignment
    return gettext(
        msgid,
        number=proposal.number or "",
        state=state_label(proposal.state),
        lead=lead.department.name if lead is not None else "",
        into=title_for(reader, proposal.merged_into) if proposal.merged_into is not None else "",
        days=(payload or {}).get("days", ""),
        rating=choice_label((payload or {}).get("rating") or ""),
    )
