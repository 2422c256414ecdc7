"""The group's compilation (集团提案汇编): the compilations of every union a reader oversees, in one, grouped by
union, for a year's sessions or the open ones.

Whoever reads the group's figures (group_figures.overseen: the company's leaders and staff the whole group) has
it, the sessions of the unions they oversee. Each session's part is exactly its own compilation
(compilation.entries: the proposals the reader may see, by the same predicate, confidential authors masked
unless the internal edition names them). A session's year is that of its collection's first day (else of its
creation), China-local.
"""

from dataclasses import dataclass
from io import BytesIO

from flask_babel import format_date, gettext
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer, TableStyle
from reportlab.platypus.tableofcontents import TableOfContents
from sqlalchemy import select

from workflow import PermissionDenied

from .. import group_figures, unions
from ..branding import site_name
from ..extensions import db
from ..models import CongressSession, User
from ..operations import clock
from . import compilation
from .pdf import FONT, Document, register_font, styles, text


@dataclass(frozen=True)
class Part:
    """One union's sessions of the compilation, each with its entries."""

    union_id: int | None  # as the API shows it (tree.public_id)
    name: str
    sessions: list[tuple[CongressSession, list[compilation.Entry]]]


def year_of(session: CongressSession) -> int:
    return (session.collection_start or clock.local_date(session.created_at)).year


def _sessions(user: User) -> tuple[unions.Tree, list[CongressSession]]:
    """The sessions of the unions `user` oversees; PermissionDenied when they oversee none."""
    tree = unions.current()
    scope = group_figures.overseen(user, tree)
    if not scope:
        raise PermissionDenied(group_figures.NOT_OVERSEEN)
    stmt = select(CongressSession).where(unions.sessions_in(scope, tree, CongressSession.id))
    return tree, list(db.session.scalars(stmt.order_by(CongressSession.id)))


def years(user: User) -> list[int]:
    """The years the reader's unions held sessions in, the latest first."""
    _tree, found = _sessions(user)
    return sorted({year_of(s) for s in found}, reverse=True)


def parts(user: User, year: int | None = None, *, internal: bool = False) -> list[Part]:
    """The unions `user` oversees, depth first from the root, each with its sessions of `year` (None: its open
    sessions) and their entries; a union without such a session is left out."""
    tree, found = _sessions(user)
    chosen = [s for s in found if (year_of(s) == year if year is not None else s.is_open)]
    by_union: dict[int | None, list[CongressSession]] = {}
    for session in chosen:
        by_union.setdefault(tree.key(session.union_id), []).append(session)
    out = []
    for unit in tree.ordered() or [None]:
        key = tree.key(unit.id) if unit is not None else None
        if key in by_union:
            name = unit.name if unit is not None else site_name()
            shown = [(s, compilation.entries(s, user, internal=internal)) for s in by_union[key]]
            out.append(Part(tree.public_id(key), name, shown))
    return out


def title(year: int | None) -> str:
    if year is None:
        return gettext("Compilation of the group's proposals and replies: the open sessions")
    return gettext("Compilation of the group's proposals and replies, %(year)s", year=str(year))


# -- PDF -------------------------------------------------------------------------------------------


class _GroupCompilation(Document):
    def afterFlowable(self, flowable):
        key = getattr(flowable, "toc_key", None)
        if key:
            self.canv.bookmarkPage(key)
            self.notify("TOCEntry", (flowable.toc_level, flowable.toc_text, self.page, key))


def _heading(words: str, style, level: int, key: str) -> Paragraph:
    heading = Paragraph(text(words), style)
    heading.toc_key, heading.toc_text, heading.toc_level = key, text(words), level
    return heading


def to_pdf(found: list[Part], year: int | None, *, internal: bool = False) -> bytes:
    """The group's compilation as a PDF: a cover, a table of contents by union and session, then each union's
    sessions, each proposal with its reply as in the session's own compilation."""
    register_font()
    look = styles()
    heading = title(year)
    out = BytesIO()
    mark = compilation.internal_mark() if internal else None
    doc = _GroupCompilation(out, heading, mark=mark, cover=True, title=heading, author=site_name())
    count = sum(len(e) for part in found for _, e in part.sessions)
    story = [
        Spacer(1, 50 * mm),
        Paragraph(text(site_name()), look["subtitle"]),
        Spacer(1, 8 * mm),
        Paragraph(text(heading), look["cover"]),
        Spacer(1, 30 * mm),
        Paragraph(text(gettext("%(n)s proposals", n=count)), look["subtitle"]),
        Paragraph(format_date(clock.local_date(clock.utcnow()), "long"), look["subtitle"]),
    ]
    if internal:
        story += [
            Spacer(1, 8 * mm),
            Paragraph(text(gettext("Internal edition: for union staff only")), look["subtitle"]),
        ]
    story += [PageBreak(), Paragraph(text(gettext("Contents")), look["toc_title"])]
    toc = TableOfContents(dotsMinLevel=0)
    toc.levelStyles = [look["toc"]] * 3
    toc.tableStyle = TableStyle([("FONT", (0, 0), (-1, -1), FONT, 10.5), *toc.tableStyle.getCommands()])
    story += [toc]
    for n, part in enumerate(found):
        story += [PageBreak(), _heading(part.name, look["cover"], 0, f"u{n}")]
        for session, entries in part.sessions:
            story.append(_heading(session.name, look["subtitle"], 1, f"s{session.id}"))
            if not entries:
                story.append(
                    Paragraph(text(gettext("No proposal of this session has been accepted yet.")), look["body"])
                )
            for entry in entries:
                flow = compilation._entry(entry, look, f"p{entry.proposal.id}")
                flow[0].toc_level = 2
                story += [PageBreak(), *flow]
    if not found:
        story += [
            PageBreak(),
            Paragraph(text(gettext("No session of the unions you oversee is shown here.")), look["body"]),
        ]
    doc.multiBuild(story)
    return out.getvalue()
