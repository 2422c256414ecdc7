"""The session's compilation (提案汇编): every accepted proposal with its reply, printable and as a PDF.

The PDF uses ReportLab's built-in Chinese font STSong-Light (Adobe's CID font, which PDF readers
supply themselves), so nothing is fetched and no font file has to be shipped.
"""

from dataclasses import dataclass
from io import BytesIO
from xml.sax.saxutils import escape

from flask_babel import format_date, gettext
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import BaseDocTemplate, Frame, PageBreak, PageTemplate, Paragraph, Spacer
from reportlab.platypus.tableofcontents import TableOfContents
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..access import can_see_author, visible_filter
from ..branding import site_name
from ..extensions import db
from ..models import NUMBERED_STATES, CongressSession, Proposal, Reply, User
from ..operations import clock
from ..web.event_forms import CHOICE_LABELS

FONT = "STSong-Light"  # has no "·": separators are ideographic spaces


@dataclass(frozen=True)
class Entry:
    proposal: Proposal
    reply: Reply | None  # the answer in force: the latest round's
    author: str | None  # None: confidential to this reader


def entries(session: CongressSession, user: User) -> list[Entry]:
    """The session's accepted proposals (suggestions included) the reader may see, by number."""
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
    return [
        Entry(p, p.replies[-1] if p.replies else None, p.author.name if can_see_author(user, p) else None)
        for p in db.session.scalars(stmt)
    ]


def outcome_label(outcome: str) -> str:
    return gettext(CHOICE_LABELS[outcome])


# -- PDF -------------------------------------------------------------------------------------------


def _styles() -> dict[str, ParagraphStyle]:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    base = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=17, wordWrap="CJK", spaceAfter=4)
    return {
        "body": base,
        "meta": ParagraphStyle("meta", parent=base, fontSize=9, textColor="#555555"),
        "cover": ParagraphStyle("cover", parent=base, fontSize=24, leading=34, alignment=TA_CENTER),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=14, leading=22, alignment=TA_CENTER),
        "toc_title": ParagraphStyle("toc_title", parent=base, fontSize=16, leading=24, spaceAfter=12),
        "heading": ParagraphStyle("heading", parent=base, fontSize=14, leading=21, spaceBefore=6, spaceAfter=8),
        "section": ParagraphStyle("section", parent=base, fontSize=11, leading=18, spaceBefore=8, textColor="#a3201d"),
        "toc": ParagraphStyle("toc", parent=base, fontSize=10.5, leading=16, leftIndent=0, firstLineIndent=0),
    }


def _text(value: str) -> str:
    """Plain text as a ReportLab paragraph: markup escaped, line breaks kept."""
    return escape(value or "").replace("\r\n", "\n").replace("\n", "<br/>")


class _Compilation(BaseDocTemplate):
    def __init__(self, out, footer: str, **kwargs):
        super().__init__(out, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=20 * mm, **kwargs)
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        self.addPageTemplates([PageTemplate("page", [frame], onPage=self._footer)])
        self.footer = footer

    def _footer(self, canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 8.5)
        if doc.page > 1:  # not on the cover
            canvas.drawCentredString(A4[0] / 2, 10 * mm, f"{self.footer}　{doc.page}")
        canvas.restoreState()

    def afterFlowable(self, flowable):
        key = getattr(flowable, "toc_key", None)
        if key:
            self.canv.bookmarkPage(key)
            self.notify("TOCEntry", (0, flowable.toc_text, self.page, key))


def to_pdf(session: CongressSession, found: list[Entry]) -> bytes:
    """The compilation as a PDF: a cover, a table of contents, then each proposal and its reply."""
    styles = _styles()
    title = gettext("Compilation of proposals and replies")
    out = BytesIO()
    union = site_name()
    doc = _Compilation(out, f"{session.name} {title}", title=f"{session.name} {title}", author=union)
    story = [
        Spacer(1, 60 * mm),
        Paragraph(_text(union), styles["subtitle"]),
        Paragraph(_text(session.name), styles["subtitle"]),
        Spacer(1, 8 * mm),
        Paragraph(_text(title), styles["cover"]),
        Spacer(1, 30 * mm),
        Paragraph(_text(gettext("%(n)s proposals", n=len(found))), styles["subtitle"]),
        Paragraph(format_date(clock.local_date(clock.utcnow()), "long"), styles["subtitle"]),
        PageBreak(),
        Paragraph(_text(gettext("Contents")), styles["toc_title"]),
    ]
    toc = TableOfContents(dotsMinLevel=0)
    toc.levelStyles = [styles["toc"]]
    story += [toc, PageBreak()]
    for index, entry in enumerate(found):
        story += _entry(entry, styles, f"p{entry.proposal.id}")
        if index < len(found) - 1:
            story.append(PageBreak())
    if not found:
        story.append(Paragraph(_text(gettext("No proposal of this session has been accepted yet.")), styles["body"]))
    doc.multiBuild(story)
    return out.getvalue()


def _entry(entry: Entry, styles: dict, key: str) -> list:
    p = entry.proposal
    heading_text = gettext("No. %(number)s", number=p.number) + "  " + p.title
    heading = Paragraph(_text(heading_text), styles["heading"])
    heading.toc_key, heading.toc_text = key, _text(heading_text)
    kind = gettext("Suggestion") if p.kind == "suggestion" else gettext("Proposal")
    author = entry.author if entry.author is not None else gettext("(confidential)")
    meta = f"{gettext('Category')}: {p.category.name}　{gettext('Author')}: {author}　{kind}"
    flow = [
        heading,
        Paragraph(_text(meta), styles["meta"]),
        Paragraph(_text(gettext("Reasons")), styles["section"]),
        Paragraph(_text(p.reason), styles["body"]),
        Paragraph(_text(gettext("Proposed measures")), styles["section"]),
        Paragraph(_text(p.measures), styles["body"]),
        Paragraph(_text(gettext("Reply")), styles["section"]),
    ]
    if entry.reply is None:
        flow.append(Paragraph(_text(gettext("Not replied yet.")), styles["meta"]))
        return flow
    reply = entry.reply
    when = format_date(clock.local_date(reply.created_at), "long")
    flow += [
        Paragraph(_text(f"{reply.department.name}　{when}"), styles["meta"]),
        Paragraph(_text(reply.text), styles["body"]),
        Paragraph(_text(f"{gettext('Reply class')}: {outcome_label(reply.outcome)}"), styles["meta"]),
    ]
    return flow
