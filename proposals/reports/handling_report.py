"""The committee's handling report to the next session (提案办理情况报告): a draft the committee edits.

Built from the figures of one definition each (stats.report(), stats.reply_working_days(), through
figures.py): the totals and rates, the breakdown by department and by category, the key proposals
first, the outstanding proposals (优秀提案) as the committee published them, then the proposals not yet
closed, those closed unsatisfied (with the author's words) and the class C replies with their reasons.
The same blocks are written as .docx (unions edit it in Word or WPS) and as PDF. Confidential authors
are never named: the report is read out and printed.
"""

from dataclasses import dataclass, field
from io import BytesIO

from docx import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from flask_babel import format_date, gettext
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..access import visible_filter
from ..branding import site_name
from ..extensions import db
from ..i18n import state_label
from ..models import CongressSession, Proposal, Reply, User
from ..operations import clock
from ..operations.votes import publication, published_ranking
from ..stats import ACCEPTED_OR_LATER, CLOSED
from .figures import Figures, breakdown_header, breakdown_row, days, figures, summary_lines
from .pdf import FONT, build, para, styles

WORD_FONT = "宋体"  # what Word and WPS in China set official documents in


def key_proposals(session: CongressSession, user: User) -> list[Proposal]:
    """The session's key proposals (重点提案), marked by the committee (mark_key), listed first in the report."""
    return [p for p in _numbered(session, user, Proposal.key.is_(True)) if p.number is not None]


@dataclass
class Block:
    kind: str  # "title", "heading", "para", "table"
    text: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class HandlingReport:
    session: CongressSession
    figures: Figures
    blocks: list[Block]

    @property
    def title(self) -> str:
        return gettext("Report on the handling of proposals")


def _numbered(session: CongressSession, user: User, *conditions) -> list[Proposal]:
    stmt = (
        select(Proposal)
        .where(Proposal.session_id == session.id, visible_filter(user), *conditions)
        .order_by(Proposal.key.desc(), Proposal.number, Proposal.id)  # key proposals first in every list
        .options(
            selectinload(Proposal.replies).selectinload(Reply.department),
            selectinload(Proposal.category),
            selectinload(Proposal.evaluations),
        )
    )
    return list(db.session.scalars(stmt))


def _line(p: Proposal) -> str:
    return gettext("No. %(number)s", number=p.number) + "　" + p.title


def build_report(session: CongressSession, user: User) -> HandlingReport:
    """The report's blocks for a session, over what `user` may see."""
    found = figures(session.id, user)
    numbers = found.report
    counts = numbers["counts"]
    accepted = sum(counts[s] for s in ACCEPTED_OR_LATER)
    closed = sum(counts[s] for s in CLOSED)
    blocks = [
        Block("title", site_name()),
        Block("title", f"{session.name}　{gettext('Report on the handling of proposals')}"),
        Block("para", gettext("(Draft for the committee to edit)")),
        Block("heading", gettext("1. Overview")),
        Block(
            "para",
            gettext(
                "This session received %(total)d proposals; %(accepted)d were accepted (suggestions included), "
                "of which %(closed)d are closed. %(overdue)d are overdue today.",
                total=numbers["total"],
                accepted=accepted,
                closed=closed,
                overdue=numbers["overdue"],
            ),
        ),
        Block(
            "table", header=[gettext("Figure"), gettext("Value")], rows=[list(line) for line in summary_lines(found)]
        ),
        Block("heading", gettext("2. By department")),
        Block(
            "table",
            header=[gettext("Lead department"), *breakdown_header(), gettext("Average working days to reply")],
            rows=[
                [g["name"], *breakdown_row(g), days(found.department_days(g["department_id"]))]
                for g in numbers["by_department"]
            ],
        ),
        Block("heading", gettext("3. By category")),
        Block(
            "table",
            header=[gettext("Category"), *breakdown_header()],
            rows=[[g["name"], *breakdown_row(g)] for g in numbers["by_category"]],
        ),
        Block("heading", gettext("4. Key proposals")),
    ]
    keys = key_proposals(session, user)
    blocks += [Block("para", _line(p)) for p in keys] or [Block("para", gettext("No key proposal was named."))]
    blocks.append(Block("heading", gettext("5. Outstanding proposals")))
    published = publication(session)
    ranked = published_ranking(published, user) if published else []
    if ranked:
        blocks.append(
            Block(
                "table",
                header=[gettext("Rank"), gettext("Proposal"), gettext("Votes")],
                rows=[[str(r.rank), _line(r.proposal), str(r.votes)] for r in ranked],
            )
        )
    else:
        blocks.append(Block("para", gettext("The outstanding proposals have not been published yet.")))
    blocks.append(Block("heading", gettext("6. Proposals not yet closed")))
    unresolved = _numbered(session, user, Proposal.state.in_([s for s in ACCEPTED_OR_LATER if s not in CLOSED]))
    blocks += [Block("para", f"{_line(p)}（{_state(p)}）") for p in unresolved] or [
        Block("para", gettext("Every accepted proposal is closed."))
    ]
    blocks.append(Block("heading", gettext("7. Closed unsatisfied, with the author's words")))
    unsatisfied = _numbered(session, user, Proposal.final_rating == "unsatisfied")
    for p in unsatisfied:
        said = next((e.comment for e in reversed(p.evaluations) if e.by_author and e.comment), None)
        blocks.append(Block("para", _line(p)))
        if said:
            blocks.append(Block("para", said))
    if not unsatisfied:
        blocks.append(Block("para", gettext("No proposal was closed unsatisfied.")))
    blocks.append(Block("heading", gettext("8. Class C replies and their reasons")))
    class_c = _numbered(session, user, Proposal.latest_outcome == "C")
    for p in class_c:
        reply = p.replies[-1]
        blocks.append(Block("para", f"{_line(p)}（{reply.department.name}）"))
        blocks.append(Block("para", reply.text))
    if not class_c:
        blocks.append(Block("para", gettext("No reply is of class C.")))
    blocks.append(Block("para", format_date(clock.local_date(clock.utcnow()), "long")))
    return HandlingReport(session, found, blocks)


def _state(p: Proposal) -> str:
    return state_label(p.state)


# -- .docx -----------------------------------------------------------------------------------------


def _east_asian(run, size: float | None = None) -> None:
    run.font.name = WORD_FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), WORD_FONT)
    if size:
        run.font.size = Pt(size)


def to_docx(report: HandlingReport) -> bytes:
    """The report as a Word document with real headings and tables, set in 宋体."""
    doc = WordDocument()
    normal = doc.styles["Normal"]
    normal.font.name = WORD_FONT
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), WORD_FONT)
    normal.font.size = Pt(12)
    doc.core_properties.title = f"{report.session.name} {report.title}"
    doc.core_properties.author = site_name()
    for block in report.blocks:
        if block.kind == "title":
            paragraph = doc.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _east_asian(paragraph.add_run(block.text), 18)
        elif block.kind == "heading":
            heading = doc.add_heading(level=2)
            _east_asian(heading.add_run(block.text))
        elif block.kind == "para":
            _east_asian(doc.add_paragraph().add_run(block.text))
        else:
            table = doc.add_table(rows=1, cols=len(block.header))
            table.style = "Table Grid"
            for cell, value in zip(table.rows[0].cells, block.header, strict=True):
                _east_asian(cell.paragraphs[0].add_run(value))
            for row in block.rows:
                for cell, value in zip(table.add_row().cells, row, strict=True):
                    _east_asian(cell.paragraphs[0].add_run(value))
            if not block.rows:
                _east_asian(doc.add_paragraph().add_run(gettext("None.")))
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


# -- PDF -------------------------------------------------------------------------------------------


def to_pdf(report: HandlingReport) -> bytes:
    look = styles()
    story = []
    for block in report.blocks:
        if block.kind == "title":
            story.append(para(block.text, look["title"]))
        elif block.kind == "heading":
            story.append(para(block.text, look["heading"]))
        elif block.kind == "para":
            story.append(para(block.text, look["body"]))
        else:
            rows = [[para(v, look["cell"]) for v in block.header]]
            rows += [[para(v, look["cell"]) for v in row] for row in block.rows]
            first = 40 * mm if len(block.header) > 2 else 70 * mm
            rest = (166 * mm - first) / max(len(block.header) - 1, 1)
            table = Table(rows, colWidths=[first] + [rest] * (len(block.header) - 1), repeatRows=1)
            table.setStyle(
                TableStyle(
                    [
                        ("FONT", (0, 0), (-1, -1), FONT, 9),
                        ("GRID", (0, 0), (-1, -1), 0.5, "#555555"),
                        ("BACKGROUND", (0, 0), (-1, 0), "#f3f3f3"),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story += [table, Spacer(1, 3 * mm)]
            if not block.rows:
                story.append(para(gettext("None."), look["meta"]))
    footer = f"{report.session.name} {report.title}"
    return build(story, footer, title=footer, author=site_name())
