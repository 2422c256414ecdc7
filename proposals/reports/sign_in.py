"""Sign-in slips (登录凭条): the sign-in details an import produced, one slip per person, shown once.

An import hands back each new person's (name, user name, initial secret). They are kept encrypted with
a key derived from the application's SECRET_KEY, for the administrator who imported them alone, until
that administrator prints them as PDF or shows them on screen: either takes them, and they are gone
from the server. Left untaken they expire after KEEP_HOURS and are refused (and deleted). What the
secret is (a password today) does not matter here: a slip prints what it is given.
"""

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask_babel import format_datetime, gettext
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle
from sqlalchemy import delete, select

from ..branding import site_name
from ..extensions import db
from ..models import SignInSlips, User
from ..operations import audit, clock
from .pdf import FONT, build, para, styles

KEEP_HOURS = 72
Slip = tuple[str, str, str]  # (name, user name, initial secret)


class SlipsGone(Exception):
    """There are no such slips for this user: taken already, expired, or never theirs."""


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"sign-in slips\0" + str(current_app.config["SECRET_KEY"]).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _expired_before():
    return clock.utcnow() - timedelta(hours=KEEP_HOURS)


class Taken(list):
    """Slips handed over: a list of (name, user name, secret), and what the secret is."""

    def __init__(self, slips, kind: str = "password", expires_at: datetime | None = None):
        super().__init__(slips)
        self.kind = kind  # "password": initial passwords (imports before codes); "activation": codes
        self.expires_at = expires_at  # of the codes


def seal(
    user: User, slips: list[Slip], kind: str = "password", expires_at: datetime | None = None
) -> SignInSlips | None:
    """Keep these slips for `user` (added, not committed); None when there are none. Expired slips of anyone
    are deleted on the way. `kind` says what their secrets are: initial passwords, or activation codes
    valid until `expires_at`."""
    db.session.execute(delete(SignInSlips).where(SignInSlips.created_at < _expired_before()))
    if not slips:
        return None
    content = [list(s) for s in slips]
    if kind != "password":  # the first slips were a bare list of initial passwords: those still read so
        content = {"kind": kind, "expires_at": expires_at.isoformat() if expires_at else None, "slips": content}
    token = _fernet().encrypt(json.dumps(content, ensure_ascii=False).encode()).decode()
    kept = SignInSlips(created_by_id=user.id, count=len(slips), sealed=token, created_at=clock.utcnow())
    db.session.add(kept)
    db.session.flush()
    audit.record("sign_in_slips.kept", kept, {"count": len(slips)}, actor=user)
    return kept


def pending(user: User) -> list[SignInSlips]:
    """The slips kept for `user` and not expired, the newest first."""
    stmt = (
        select(SignInSlips)
        .where(SignInSlips.created_by_id == user.id, SignInSlips.created_at >= _expired_before())
        .order_by(SignInSlips.id.desc())
    )
    return list(db.session.scalars(stmt))


def take(slips_id: int, user: User, how: str) -> Taken:
    """The slips, deleted from the server as they are handed over (`how`: "pdf" or "page"; not committed).
    SlipsGone when they are not `user`'s, taken already or expired (expired ones are deleted)."""
    kept = db.session.get(SignInSlips, slips_id, with_for_update=True)
    if kept is None or kept.created_by_id != user.id:
        raise SlipsGone()
    expired = kept.created_at < _expired_before()
    try:
        content = [] if expired else json.loads(_fernet().decrypt(kept.sealed.encode()))
    except InvalidToken:  # the SECRET_KEY changed since: they cannot be read by anyone any more
        expired = True
        content = []
    if isinstance(content, dict):
        expires = datetime.fromisoformat(content["expires_at"]) if content.get("expires_at") else None
        slips = Taken([tuple(s) for s in content["slips"]], content["kind"], expires)
    else:
        slips = Taken([tuple(s) for s in content])
    audit.record(
        "sign_in_slips.expired" if expired else "sign_in_slips.taken",
        kept,
        {"count": kept.count, "as": how},
        actor=user,
    )
    db.session.delete(kept)
    db.session.flush()
    if expired:
        raise SlipsGone()
    return slips


def to_pdf(slips: list[Slip], address: str) -> bytes:
    """One slip per person, four to an A4 page, with cut lines between them."""
    advice = gettext("Change the password when you first sign in. Keep this slip to yourself.")
    rows = [
        [
            (gettext("Full name"), name),
            (gettext("User name"), username),
            (gettext("Initial password"), secret),
            (gettext("Sign in at"), address),
        ]
        for name, username, secret in slips
    ]
    return _slips_pdf(rows, advice)


def activation_pdf(slips: list[Slip], address: str, expires_at: datetime | None) -> bytes:
    """The activation slips (激活凭条) of codes just issued, (name, user name, code) each, one per person."""
    from ..auth.activation import normalised

    base = address.rstrip("/")
    expires = format_datetime(expires_at.replace(tzinfo=UTC), "short") if expires_at else "—"
    rows = [
        [
            (gettext("Full name"), name),
            (gettext("User name"), username),
            (gettext("Activation code"), code),
            (gettext("Activate at"), f"{base}/activate"),
            (gettext("Or open"), f"{base}/activate/{normalised(code)}"),
            (gettext("Valid until"), expires),
        ]
        for name, username, code in slips
    ]
    advice = gettext("Set your own password with this code; it works once. Keep this slip to yourself.")
    return _slips_pdf(rows, advice, gettext("Activation slip"), gettext("Activation slips"))


def pdf_of(slips: Taken, address: str) -> bytes:
    """Taken slips as their PDF, by what they hold."""
    if slips.kind == "activation":
        return activation_pdf(slips, address, slips.expires_at)
    return to_pdf(slips, address)


def _slips_pdf(slips: list[list[tuple[str, str]]], advice: str, heading: str = "", title: str = "") -> bytes:
    look = styles()
    union = site_name()
    heading, title = heading or gettext("Sign-in slip"), title or gettext("Sign-in slips")
    story = []
    for lines in slips:
        rows = [[para(label, look["cell"]), para(value, look["body"])] for label, value in lines]
        table = Table(rows, colWidths=[34 * mm, 120 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), FONT, 10),
                    ("GRID", (0, 0), (-1, -1), 0.5, "#555555"),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        slip = [
            para(f"{union}　{heading}", look["heading"]),
            table,
            Spacer(1, 2 * mm),
            para(advice, look["meta"]),
            Spacer(1, 6 * mm),
            para("－" * 40, look["meta"]),
            Spacer(1, 4 * mm),
        ]
        story.append(KeepTogether(slip))
    if not slips:
        story.append(para(gettext("There is nothing to print."), look["body"]))
    return build(story, f"{union} {title}", title=title, author=union)
