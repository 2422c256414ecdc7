"""What every printed document shares: the embedded Chinese font, paragraph styles and the page frame.

The font is Noto Serif SC (SIL Open Font License, fonts/OFL.txt), shipped inside the package as a
TrueType file (fonts/README.md says how it was made from the OpenType original), so every install has
it, the wheel included. ReportLab embeds the subset of glyphs a document uses, with a ToUnicode map,
so the text prints anywhere and can be searched and copied.
"""

from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

FONT = "NotoSerifSC"
FONT_FILE = Path(__file__).with_name("fonts") / "NotoSerifSC-Regular.ttf"


class FontMissing(RuntimeError):
    """The package lost its font file: a broken install, said plainly rather than as blank pages."""


def register_font() -> str:
    """Register the embedded font once per process; its name."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        if not FONT_FILE.is_file():
            raise FontMissing(f"The Chinese font {FONT_FILE} is missing: reinstall the package.")
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE)))
    return FONT


def styles() -> dict[str, ParagraphStyle]:
    register_font()
    base = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=18, wordWrap="CJK", spaceAfter=4)
    return {
        "body": base,
        "meta": ParagraphStyle("meta", parent=base, fontSize=9, textColor="#555555"),
        "cover": ParagraphStyle("cover", parent=base, fontSize=24, leading=34, alignment=TA_CENTER),
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=28, alignment=TA_CENTER, spaceAfter=10),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=14, leading=22, alignment=TA_CENTER),
        "toc_title": ParagraphStyle("toc_title", parent=base, fontSize=16, leading=24, spaceAfter=12),
        "heading": ParagraphStyle("heading", parent=base, fontSize=14, leading=21, spaceBefore=6, spaceAfter=8),
        "section": ParagraphStyle("section", parent=base, fontSize=11, leading=18, spaceBefore=8, textColor="#a3201d"),
        "toc": ParagraphStyle("toc", parent=base, fontSize=10.5, leading=16, leftIndent=0, firstLineIndent=0),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9.5, leading=14, spaceAfter=0),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "indent": ParagraphStyle("indent", parent=base, firstLineIndent=21),
    }


def text(value) -> str:
    """Plain text as a ReportLab paragraph: markup escaped, line breaks kept."""
    return escape(str(value or "")).replace("\r\n", "\n").replace("\n", "<br/>")


def para(value, style) -> Paragraph:
    return Paragraph(text(value), style)


class Document(BaseDocTemplate):
    """A4 pages with a footer (and the page number), and a mark in the top corner of every page when
    given (内部 on an internal edition)."""

    def __init__(self, out, footer: str, *, mark: str | None = None, cover: bool = False, **kwargs):
        super().__init__(
            out,
            pagesize=A4,
            leftMargin=22 * mm,
            rightMargin=22 * mm,
            topMargin=20 * mm,
            initialFontName=register_font(),  # not Helvetica, which no PDF embeds
            **kwargs,
        )
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        self.addPageTemplates([PageTemplate("page", [frame], onPage=self._decorate)])
        self.footer, self.mark, self.cover = footer, mark, cover

    def _decorate(self, canvas, doc):
        canvas.saveState()
        if self.mark:
            canvas.setFont(FONT, 12)
            canvas.setFillColor("#a3201d")
            canvas.drawRightString(A4[0] - 22 * mm, A4[1] - 12 * mm, self.mark)
            canvas.setFillColor("#000000")
        canvas.setFont(FONT, 8.5)
        if not (self.cover and doc.page == 1):
            canvas.drawCentredString(A4[0] / 2, 10 * mm, f"{self.footer}　{doc.page}")
        canvas.restoreState()


def build(story: list, footer: str, *, title: str, author: str, mark: str | None = None) -> bytes:
    """A simple document (no table of contents) as PDF bytes."""
    register_font()
    out = BytesIO()
    Document(out, footer, mark=mark, title=title, author=author).build(story)
    return out.getvalue()
