"""The proposal form (提案表) and the department's reply letter (答复函), printable as PDF.

The form is what the author and the co-signers sign on paper: the number, every field, a signature
line for the author and each co-signer, and the committee's review opinion. The letter is one reply
(one handling round) as the department sends it: the union's name, the department, the date, the
class and the contact. A confidential author is masked as （保密） unless the reader may know them
(access.can_see_author), and with them their delegation. One document per proposal or reply, or a
session's all in one PDF (each starting on a new page).
"""

from flask_babel import format_date, gettext
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Spacer, Table, TableStyle
from sqlalchemy import nulls_last, select
from sqlalchemy.orm import selectinload

from ..access import can_see_author, visible_filter
from ..branding import site_name
from ..extensions import db
from ..labels import outcome_label
from ..models import Assignment, CongressSession, Cosignature, Proposal, Reply, User
from ..operations import clock
from .decisions import opinions
from .pdf import FONT, build, para, styles

LINE = "＿" * 8  # where a signature or date goes by hand
GRID = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), FONT, 10),
        ("GRID", (0, 0), (-1, -1), 0.6, "#333333"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (0, -1), "#f3f3f3"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]
)


def _day(moment) -> str:
    return format_date(clock.local_date(moment), "long") if moment else "—"


def session_proposals(session: CongressSession, user: User) -> list[Proposal]:
    """The session's submitted proposals the reader may see: numbered ones first, by number."""
    stmt = (
        select(Proposal)
        .where(Proposal.session_id == session.id, Proposal.state != "draft", Proposal.submitted_at.is_not(None))
        .where(visible_filter(user))
        .order_by(nulls_last(Proposal.number.asc()), Proposal.id)
        .options(
            selectinload(Proposal.session),
            selectinload(Proposal.category),
            selectinload(Proposal.author),
            selectinload(Proposal.delegation),
            selectinload(Proposal.desired_department),
            selectinload(Proposal.cosignatures).selectinload(Cosignature.user),
            selectinload(Proposal.assignments).selectinload(Assignment.department),
            selectinload(Proposal.replies).selectinload(Reply.department),
        )
    )
    return list(db.session.scalars(stmt))


# -- 提案表 -----------------------------------------------------------------------------------------


def forms_pdf(proposals: list[Proposal], user: User) -> bytes:
    """The proposal forms of these proposals, one or more pages each."""
    look = styles()
    said = opinions(p.id for p in proposals)
    story = []
    for index, p in enumerate(proposals):
        if index:
            story.append(PageBreak())
        story += _form(p, user, said.get(p.id), look)
    if not proposals:
        story.append(para(gettext("There is nothing to print."), look["body"]))
    title = gettext("Proposal form")
    return build(story, f"{site_name()} {title}", title=title, author=site_name())


def _form(p: Proposal, user: User, opinion, look: dict) -> list:
    shows = can_see_author(user, p)
    hidden = gettext("(confidential)")
    number = gettext("No. %(number)s", number=p.number) if p.number else gettext("Not numbered yet")
    kind = gettext("Suggestion") if p.kind == "suggestion" else gettext("Proposal")
    cell = look["cell"]
    width = 166 * mm

    def row(label, value, label2=None, value2=None):
        if label2 is None:
            return [para(label, cell), para(value, cell), "", ""]
        return [para(label, cell), para(value, cell), para(label2, cell), para(value2, cell)]

    rows = [
        row(gettext("Number"), number, gettext("Kind"), kind),
        row(
            gettext("Author"),
            p.author.name if shows else hidden,
            gettext("Delegation"),
            (p.delegation.name if p.delegation else "—") if shows else hidden,
        ),
        row(
            gettext("Category"),
            p.category.name,
            gettext("Desired department"),
            p.desired_department.name if p.desired_department else "—",
        ),
        row(gettext("Submitted on"), _day(p.submitted_at), gettext("Congress session"), p.session.name),
        row(gettext("Subject"), p.title),
        row(gettext("Reasons"), p.reason),
        row(gettext("Proposed measures"), p.measures),
    ]
    grid = Table(rows, colWidths=[26 * mm, 57 * mm, 26 * mm, 57 * mm], repeatRows=0)
    spans = [("SPAN", (1, r), (3, r)) for r in range(4, len(rows))]
    grid.setStyle(TableStyle([*GRID.getCommands(), *spans, ("BACKGROUND", (2, 0), (2, 3), "#f3f3f3")]))
    signers = [[para(gettext("Co-signer"), cell), para(gettext("Signature"), cell), para(gettext("Date"), cell)]]
    signers += [[para(c.user.name, cell), "", para(_day(c.created_at), cell)] for c in p.cosignatures]
    if not p.cosignatures:
        signers.append([para(gettext("No co-signer."), cell), "", ""])
    cosigned = Table(signers, colWidths=[56 * mm, 70 * mm, 40 * mm], rowHeights=[None] + [11 * mm] * (len(signers) - 1))
    cosigned.setStyle(
        TableStyle(
            [
                *GRID.getCommands(),
                ("BACKGROUND", (0, 1), (0, -1), "#ffffff"),
                ("BACKGROUND", (0, 0), (-1, 0), "#f3f3f3"),
            ]
        )
    )
    review = [para(opinion.text() if opinion else gettext("Not reviewed yet."), cell)]
    if opinion:
        review.append(para(_day(opinion.at), cell))
    verdict = Table(
        [[para(gettext("Review opinion"), cell), review]], colWidths=[26 * mm, width - 26 * mm], rowHeights=[24 * mm]
    )
    verdict.setStyle(GRID)
    return [
        para(site_name(), look["subtitle"]),
        para(gettext("Proposal form"), look["title"]),
        para(p.session.name, look["meta"]),
        Spacer(1, 3 * mm),
        grid,
        Spacer(1, 4 * mm),
        KeepTogether(
            [
                para(f"{gettext('Author signature')}：{LINE}　　{gettext('Date')}：{LINE}", look["body"]),
                Spacer(1, 3 * mm),
                cosigned,
            ]
        ),
        Spacer(1, 4 * mm),
        KeepTogether(
            [verdict, Spacer(1, 2 * mm), para(f"{gettext('Proposal committee (seal)')}：{LINE}", look["right"])]
        ),
    ]


# -- 答复函 -----------------------------------------------------------------------------------------


def session_replies(session: CongressSession, user: User) -> list[Reply]:
    """Every reply of the session's proposals the reader may see, by number and round."""
    return [r for p in session_proposals(session, user) for r in p.replies]


def letters_pdf(replies: list[Reply], user: User) -> bytes:
    """The reply letters of these replies, one or more pages each."""
    look = styles()
    story = []
    for index, reply in enumerate(replies):
        if index:
            story.append(PageBreak())
        story += _letter(reply, user, look)
    if not replies:
        story.append(para(gettext("There is nothing to print."), look["body"]))
    title = gettext("Reply letter")
    return build(story, f"{site_name()} {title}", title=title, author=site_name())


def _letter(reply: Reply, user: User, look: dict) -> list:
    p = reply.proposal
    addressee = p.author.name if can_see_author(user, p) else gettext("(confidential)")
    number = gettext("No. %(number)s", number=p.number) if p.number else ""
    rounds = gettext("round %(n)s", n=reply.round + 1) if reply.round else ""
    heading = gettext("Reply to proposal %(number)s", number=number)
    opening = gettext(
        "Your proposal “%(title)s” (%(number)s) has been received and handled. Our reply follows.",
        title=p.title,
        number=number,
    )
    return [
        para(site_name(), look["subtitle"]),
        para(p.session.name, look["meta"]),
        para(gettext("Reply letter"), look["title"]),
        para(f"{heading}　{rounds}".strip(), look["subtitle"]),
        Spacer(1, 6 * mm),
        para(gettext("To %(name)s:", name=addressee), look["body"]),
        para(opening, look["indent"]),
        para(reply.text, look["indent"]),
        Spacer(1, 4 * mm),
        para(f"{gettext('Reply class')}：{outcome_label(reply.outcome, reply.proposal.session)}", look["body"]),
        para(f"{gettext('Contact')}：{reply.contact or '—'}", look["body"]),
        Spacer(1, 12 * mm),
        para(reply.department.name, look["right"]),
        para(_day(reply.created_at), look["right"]),
    ]
