"""The optional second factor (双因素认证): TOTP codes from an authenticator app (RFC 6238), and
one-time recovery codes for a lost phone.

A user enrols on the account page (or, where SECOND_FACTOR_REQUIRED_ROLES asks it of their roles,
right after the password at login): a secret is made, shown as a QR code and as text, and is in
force once a first code from the app confirms it; ten recovery codes are shown then, once, and
kept hashed. A code is accepted once (the time step of the last one is kept) and one step early
or late; a recovery code is used up by its login. Every change writes its audit row.
"""

import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from flask import current_app
from markupsafe import Markup
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from workflow import InvalidPayload
from workflow.errors import N_
from workflow.payload import message

from ..extensions import db
from ..models import RecoveryCode, SecondFactor, User
from ..operations import clock
from ..operations.audit import record
from ..operations.unit import finish

DEFAULTS = {
    "SECOND_FACTOR_REQUIRED_ROLES": (),  # e.g. ("union_admin", "committee"): these must use a second factor
    "SECOND_FACTOR_ISSUER": "职代会提案",  # the name the authenticator app shows
    "SECOND_FACTOR_PENDING_MINUTES": 5,  # between the password and the code, at most
}
RECOVERY_CODES = 10
STEP_WINDOW = 1  # a code of the step before or after is accepted too (a phone's clock a little off)


def required(user: User) -> bool:
    """Whether the user's roles must log in with a second factor (password logins)."""
    return user.has_role(*current_app.config["SECOND_FACTOR_REQUIRED_ROLES"])


def factor_of(user: User) -> SecondFactor | None:
    return db.session.get(SecondFactor, user.id)


def enabled(user: User) -> bool:
    factor = factor_of(user)
    return factor is not None and factor.confirmed_at is not None


def needed(user: User) -> bool:
    """Whether a password alone does not let this user in."""
    return enabled(user) or required(user)


def begin(user: User) -> SecondFactor:
    """Make a fresh secret awaiting its first code (committed); one in force is left alone."""
    factor = factor_of(user)
    if factor is not None and factor.confirmed_at is not None:
        return factor
    if factor is None:
        factor = SecondFactor(user_id=user.id)
        db.session.add(factor)
    factor.secret, factor.created_at, factor.last_step = pyotp.random_base32(), clock.utcnow(), None
    finish()
    return factor


def provisioning_uri(user: User, factor: SecondFactor) -> str:
    issuer = current_app.config["SECOND_FACTOR_ISSUER"]
    return pyotp.TOTP(factor.secret).provisioning_uri(name=user.username, issuer_name=issuer)


def qr_svg(uri: str, title: str) -> Markup:
    """The QR code of `uri` as inline SVG (presentation attributes only: nothing the CSP refuses)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff", title=title)
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _matching_step(factor: SecondFactor, code: str, now: datetime) -> int | None:
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(factor.secret)
    moment = now.timestamp() if now.tzinfo else (now - datetime(1970, 1, 1)).total_seconds()
    step = int(moment // totp.interval)
    for offset in range(-STEP_WINDOW, STEP_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step + offset), code):
            return step + offset
    return None


def _use_code(factor: SecondFactor, code: str, now: datetime) -> bool:
    """Accept a TOTP code not accepted before (not committed)."""
    step = _matching_step(factor, code, now)
    if step is None or (factor.last_step is not None and step <= factor.last_step):
        return False
    factor.last_step = step
    return True


def confirm(user: User, code: str) -> list[str]:
    """Put the pending secret in force with a first code; return the new recovery codes (committed)."""
    now = clock.utcnow()
    factor = factor_of(user)
    if factor is None or factor.confirmed_at is not None:
        raise InvalidPayload({"code": message(N_("Start the set-up again: there is no code to confirm."))})
    if not _use_code(factor, code, now):
        raise InvalidPayload({"code": message(N_("This code is not right. Enter the code the app shows now."))})
    factor.confirmed_at = now
    codes = _new_recovery_codes(user, now)
    record("second_factor.enrol", user, {"recovery_codes": len(codes)}, actor=user, now=now)
    finish()
    return codes


def _new_recovery_codes(user: User, now: datetime) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    for code in codes:
        db.session.add(
            RecoveryCode(user_id=user.id, code_hash=generate_password_hash(code, method=method), created_at=now)
        )
    return codes


def verify(user: User, code: str) -> str | None:
    """Check a login's second factor: a TOTP code, or an unused recovery code (used up now).
    Return "totp" or "recovery" (committed), or None: wrong."""
    now = clock.utcnow()
    factor = factor_of(user)
    if factor is None or factor.confirmed_at is None:
        return None
    if _use_code(factor, code, now):
        finish()
        return "totp"
    typed = "".join((code or "").split()).lower()
    if len(typed) == 17:
        unused = select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        for stored in db.session.scalars(unused.order_by(RecoveryCode.id)):
            if check_password_hash(stored.code_hash, typed):
                stored.used_at = now
                left = len(db.session.scalars(unused).all()) - 1
                record("second_factor.recovery_code", user, {"left": left}, actor=user, now=now)
                finish()
                return "recovery"
    db.session.rollback()
    return None


def recovery_codes_left(user: User) -> int:
    unused = select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    return len(db.session.scalars(unused).all())


def disable(user: User, code: str) -> None:
    """Turn the second factor off, given a code of it (committed)."""
    if required(user):
        raise InvalidPayload({"code": message(N_("Your role requires a second factor: it cannot be turned off."))})
    if verify(user, code) is None:
        raise InvalidPayload({"code": message(N_("This code is not right. Enter the code the app shows now."))})
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(SecondFactor).where(SecondFactor.user_id == user.id))
    record("second_factor.disable", user, actor=user)
    finish()
