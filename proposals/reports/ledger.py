"""The ledger (台账): one row per proposal with every field, as an .xlsx workbook or a CSV file.

The rows are the list's (proposals.queries, the same filters as the list page) that the reader may
see, drafts never; confidential authors
(and their delegation, which narrows them down) are masked as access.can_see_author says. Overdue
and on-time come from proposals.stats, so the ledger and the dashboard agree.
"""

import csv
import io
from datetime import date, datetime

from flask_babel import gettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy import nulls_last
from sqlalchemy.orm import selectinload

from workflow.errors import N_

from ..access import can_see_author, can_view
from ..branding import site_name
from ..extensions import db
from ..i18n import state_label
from ..labels import CHOICE_LABELS
from ..models import Assignment, Cosignature, Proposal, User
from ..operations import clock
from ..queries import Filters, select_proposals
from ..stats import first_reply_working_days, overdue_ids
from .columns import label
from .decisions import opinions
from .figures import Figures, breakdown_header, breakdown_row, summary_lines
from .tables import inert

COLUMNS = (
    "id",
    "session_code",
    "session",
    "number",
    "kind",
    "title",
    "category",
    "author",
    "author_username",
    "author_delegation",
    "confidential",
    "cosigners",
    "cosigner_usernames",
    "desired_department",
    "merged_from",
    "state",
    "submitted_on",
    "decided_on",
    "review_opinion",
    "lead_department",
    "cohandlers",
    "countersigned_by",
    "assigned_on",
    "ack_deadline",
    "acknowledged_on",
    "reply_deadline",
    "extended_days",
    "overdue",
    "replied_on",
    "on_time",
    "reply_working_days",
    "outcome",
    "reply",
    "rounds",
    "rating",
    "attitude",
    "closed_on",
    "reason",
    "measures",
)
WIDE = {"title": 40, "reason": 60, "measures": 60, "reply": 60, "session": 28, "cosigners": 24, "review_opinion": 40}
KIND_LABELS = {"proposal": N_("Proposal"), "suggestion": N_("Suggestion")}
NO_RESPONSE = N_("No response")
HIDDEN = N_("(confidential)")


def proposals(user: User, filters: Filters) -> list[Proposal]:
    """The proposals of the ledger, in session and number order."""
    stmt = (
        select_proposals(user, filters)
        .where(Proposal.state != "draft")
        .order_by(Proposal.session_id, nulls_last(Proposal.number.asc()), Proposal.id)
        .options(
            selectinload(Proposal.session),
            selectinload(Proposal.category),
            selectinload(Proposal.author),
            selectinload(Proposal.delegation),
            selectinload(Proposal.desired_department),
            selectinload(Proposal.cosignatures).selectinload(Cosignature.user),
            selectinload(Proposal.assignments).options(
                selectinload(Assignment.department), selectinload(Assignment.countersignatures)
            ),
            selectinload(Proposal.replies),
            selectinload(Proposal.evaluations),
            selectinload(Proposal.merged_from),
        )
    )
    return list(db.session.scalars(stmt))


def _day(moment: datetime | None) -> date | None:
    return clock.local_date(moment) if moment else None


def _choice(value: str | None) -> str | None:
    if value is None:
        return None
    if value == "no_response":
        return gettext(NO_RESPONSE)
    return gettext(CHOICE_LABELS[value]) if value in CHOICE_LABELS else value


def rows(user: User, filters: Filters | None = None) -> list[dict]:
    """The ledger's rows as {column key: value}; dates are dates, flags booleans, absent values None."""
    found = proposals(user, filters or Filters())
    ids = [p.id for p in found]
    late = overdue_ids(ids)
    said = opinions(ids)
    took = first_reply_working_days(proposal_ids=ids) if ids else {}
    return [
        _row(p, user, p.id in late, p.first_reply_on_time, said.get(p.id), took.get(p.id, (None, None))[1])
        for p in found
    ]


def _reference(p: Proposal) -> str:
    return gettext("No. %(number)s", number=p.number) if p.number else f"#{p.id}"


def _row(p: Proposal, user: User, overdue: bool, on_time: bool | None, opinion, working_days: int | None) -> dict:
    shows_author = can_see_author(user, p)
    lead = p.lead_assignment
    cohandlers = [a for a in p.active_assignments if a.role == "cohandler"]
    latest = p.replies[-1] if p.replies else None
    author_rating = next((e for e in reversed(p.evaluations) if e.by_author), None)
    return {
        "id": p.id,
        "session_code": p.session.code,
        "session": p.session.name,
        "number": p.number,
        "kind": gettext(KIND_LABELS[p.kind]),
        "title": p.title,
        "category": p.category.name,
        "author": p.author.name if shows_author else gettext(HIDDEN),
        "author_username": p.author.username if shows_author else None,
        "author_delegation": (p.delegation.name if p.delegation else None) if shows_author else None,
        "confidential": p.confidential,
        "cosigners": "、".join(c.user.name for c in p.cosignatures) or None,
        "cosigner_usernames": ", ".join(c.user.username for c in p.cosignatures) or None,
        "desired_department": p.desired_department.name if p.desired_department else None,
        # what was merged into it (并入), as far as the reader may see it: by number, or id before numbering
        "merged_from": "、".join(_reference(m) for m in p.merged_from if can_view(user, m)) or None,
        "state": state_label(p.state),
        "submitted_on": _day(p.submitted_at),
        "decided_on": _day(p.decided_at),
        "review_opinion": opinion.text() if opinion else None,
        "lead_department": lead.department.name if lead else None,
        "cohandlers": "、".join(a.department.name for a in cohandlers) or None,
        # (a disagreement is no countersignature; one given before drafts existed was one)
        "countersigned_by": "、".join(
            a.department.name for a in cohandlers if any(c.agree is not False for c in a.countersignatures)
        )
        or None,
        "assigned_on": _day(lead.assigned_at) if lead else None,
        "ack_deadline": lead.ack_deadline if lead else None,
        "acknowledged_on": _day(lead.acknowledged_at) if lead else None,
        "reply_deadline": lead.reply_deadline if lead else None,
        "extended_days": p.extension_days or None,  # the proposal's one extension, whichever assignment it moved
        "overdue": overdue,
        "replied_on": _day(latest.created_at) if latest else None,
        "on_time": on_time,
        "reply_working_days": working_days,
        "outcome": latest.outcome if latest else None,
        "reply": latest.text if latest else None,
        "rounds": p.rehandle_round + 1 if p.replies else None,
        "rating": _choice(p.final_rating),
        "attitude": _choice(author_rating.attitude) if author_rating else None,
        "closed_on": _day(p.closed_at),
        "reason": p.reason,
        "measures": p.measures,
    }


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def to_csv(records: list[dict]) -> bytes:
    """CSV in UTF-8 with a byte order mark, so that Excel opens the Chinese text right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([label(key) for key in COLUMNS])
    for record in records:
        writer.writerow([inert(_text(record[key])) for key in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(records: list[dict], title: str, summary: Figures | None = None) -> bytes:
    """An .xlsx workbook: a frozen, filterable header row, real dates, long texts wrapped; then, when
    given, a summary sheet with the figures of stats.report() (they cover the session, or all sessions,
    over what the reader may see: not the ledger's other filters)."""
    book = Workbook()
    book.properties.creator = site_name()
    book.properties.title = f"{site_name()} {title}"
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([label(key) for key in COLUMNS])
    for number, record in enumerate(records, start=2):
        for column, key in enumerate(COLUMNS, start=1):
            cell = sheet.cell(number, column, _cell(record[key]))
            if cell.data_type == "f":  # text that looks like a formula stays text
                cell.data_type = "s"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for index, key in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = WIDE.get(key, 14)
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
            elif key in WIDE:
                cell.alignment = wrap
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    if summary is not None:
        _summary_sheet(book, summary)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value):
    if isinstance(value, bool):
        return _text(value)
    return value


def _summary_sheet(book: Workbook, found: Figures) -> None:
    sheet = book.create_sheet(gettext("Summary")[:31])
    sheet.append([gettext("Summary"), gettext("As of %(day)s", day=found.report["today"])])
    for line in summary_lines(found):
        sheet.append(list(line))
    sheet.append([])
    sheet.append([gettext("By department"), *breakdown_header(), gettext("Average working days to reply")])
    for group in found.report["by_department"]:
        average = found.department_days(group["department_id"])
        sheet.append([group["name"], *breakdown_row(group), round(average, 1) if average is not None else "—"])
    sheet.append([])
    sheet.append([gettext("By category"), *breakdown_header(), gettext("Average working days to reply")])
    for group in found.report["by_category"]:
        average = group["avg_working_days_to_reply"]  # stats.report's, as the API's by_category
        sheet.append([group["name"], *breakdown_row(group), round(average, 1) if average is not None else "—"])
    for cell in sheet["A"]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 36
    for letter in "BCDEFGH":
        sheet.column_dimensions[letter].width = 16
