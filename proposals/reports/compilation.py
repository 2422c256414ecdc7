"""The session's compilation (提案汇编): every accepted proposal with its reply, printable and as a PDF.

It is printed and handed to the delegates, so the default edition masks every confidential author as
（保密）, whoever prints it. The internal edition (内部, on every page) names them, and only union
administrators may have it (`may_have_internal`), and even then only as access.can_see_author allows.
The PDF embeds its font (reports/pdf.py), so it prints anywhere and its text can be extracted.
"""

from dataclasses import dataclass
from io import BytesIO

from flask_babel import format_date, gettext
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer, TableStyle
from reportlab.platypus.tableofcontents import TableOfContents
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import labels, unions
from ..access import ADMIN_ROLES, can_see_author, visible_filter
from ..branding import site_name
from ..extensions import db
from ..models import NUMBERED_STATES, CongressSession, Proposal, Reply, User
from ..operations import clock
from .pdf import FONT, Document, register_font, styles, text

INTERNAL = "internal"


@dataclass(frozen=True)
class Entry:
    proposal: Proposal
    reply: Reply | None  # the answer in force: the latest round's
    author: str | None  # None: masked in this edition


def may_have_internal(user: User) -> bool:
    """Only union administrators may have the edition that names confidential authors."""
    return user.has_role(*ADMIN_ROLES)


def entries(session: CongressSession, user: User, *, internal: bool = False) -> list[Entry]:
    """The session's accepted proposals (suggestions included) the reader may see, by number; confidential
    authors masked unless this is the internal edition and the reader may know them."""
    stmt = (
        select(Proposal)
        .where(Proposal.session_id == session.id, Proposal.state.in_(NUMBERED_STATES), visible_filter(user))
        .order_by(Proposal.number, Proposal.id)
        .options(
            selectinload(Proposal.category),
            selectinload(Proposal.author),
            selectinload(Proposal.replies).selectinload(Reply.department),
        )
    )
    shown = []
    for p in db.session.scalars(stmt):
        named = not p.confidential or (internal and may_have_internal(user) and can_see_author(user, p))
        shown.append(Entry(p, p.replies[-1] if p.replies else None, p.author.name if named else None))
    return shown


def issuer(session: CongressSession) -> str:
    """Who issues the session's compilation: its grassroots union, or the company union (site_name)."""
    union = unions.current().units.get(session.union_id) if session.union_id is not None else None
    return union.name if union is not None else site_name()


def outcome_label(outcome: str, session=None) -> str:
    return labels.outcome_label(outcome, session)


def internal_mark() -> str:
    return gettext("Internal")


# -- PDF -------------------------------------------------------------------------------------------


class _Compilation(Document):
    def afterFlowable(self, flowable):
        key = getattr(flowable, "toc_key", None)
        if key:
            self.canv.bookmarkPage(key)
            self.notify("TOCEntry", (0, flowable.toc_text, self.page, key))


def to_pdf(session: CongressSession, found: list[Entry], *, internal: bool = False) -> bytes:
    """The compilation as a PDF: a cover, a table of contents, then each proposal and its reply."""
    register_font()
    look = styles()
    title = gettext("Compilation of proposals and replies")
    mark = internal_mark() if internal else None
    out = BytesIO()
    doc = _Compilation(
        out, f"{session.name} {title}", mark=mark, cover=True, title=f"{session.name} {title}", author=issuer(session)
    )
    story = [
        Spacer(1, 50 * mm),
        Paragraph(text(issuer(session)), look["subtitle"]),
        Spacer(1, 6 * mm),
        Paragraph(text(session.name), look["subtitle"]),
        Spacer(1, 8 * mm),
        Paragraph(text(title), look["cover"]),
        Spacer(1, 30 * mm),
        Paragraph(text(gettext("%(n)s proposals", n=len(found))), look["subtitle"]),
        Paragraph(format_date(clock.local_date(clock.utcnow()), "long"), look["subtitle"]),
    ]
    if internal:
        story += [
            Spacer(1, 8 * mm),
            Paragraph(text(gettext("Internal edition: for union staff only")), look["subtitle"]),
        ]
    story += [PageBreak(), Paragraph(text(gettext("Contents")), look["toc_title"])]
    toc = TableOfContents(dotsMinLevel=0)
    toc.levelStyles = [look["toc"]]
    toc.tableStyle = TableStyle([("FONT", (0, 0), (-1, -1), FONT, 10.5), *toc.tableStyle.getCommands()])
    story += [toc, PageBreak()]
    for index, entry in enumerate(found):
        story += _entry(entry, look, f"p{entry.proposal.id}")
        if index < len(found) - 1:
            story.append(PageBreak())
    if not found:
        story.append(Paragraph(text(gettext("No proposal of this session has been accepted yet.")), look["body"]))
    doc.multiBuild(story)
    return out.getvalue()


def _entry(entry: Entry, look: dict, key: str) -> list:
    p = entry.proposal
    heading_text = gettext("No. %(number)s", number=p.number) + "  " + p.title
    heading = Paragraph(text(heading_text), look["heading"])
    heading.toc_key, heading.toc_text = key, text(heading_text)
    kind = gettext("Suggestion") if p.kind == "suggestion" else gettext("Proposal")
    author = entry.author if entry.author is not None else gettext("(confidential)")
    meta = f"{gettext('Category')}: {p.category.name}　{gettext('Author')}: {author}　{kind}"
    flow = [
        heading,
        Paragraph(text(meta), look["meta"]),
        Paragraph(text(gettext("Reasons")), look["section"]),
        Paragraph(text(p.reason), look["body"]),
        Paragraph(text(gettext("Proposed measures")), look["section"]),
        Paragraph(text(p.measures), look["body"]),
        Paragraph(text(gettext("Reply")), look["section"]),
    ]
    if entry.reply is None:
        flow.append(Paragraph(text(gettext("Not replied yet.")), look["meta"]))
        return flow
    reply = entry.reply
    when = format_date(clock.local_date(reply.created_at), "long")
    flow += [
        Paragraph(text(f"{reply.department.name}　{when}"), look["meta"]),
        Paragraph(text(reply.text), look["body"]),
        Paragraph(
            text(f"{gettext('Reply class')}: {outcome_label(reply.outcome, reply.proposal.session)}"), look["meta"]
        ),
    ]
    return flow
