"""Activation codes (激活码): how an imported person, who has no password, sets one of their own.

A roster import hashes no password (which cost 83 ms a row): a new person signs in through the company
directory or a sign-in provider, or activates the account with a one-time code that an administrator
issued, printed on a slip or sent (mail, and SMS or a messenger where the person has one). With the code
and the user name at /activate, or with the link /activate/<code>, the person sets a password under the
policy (proposals/auth/passwords.py): only then is it hashed.

The code is never stored. It is derived, when it is printed or a message is composed, from the user's
random `activation_salt` and the application's SECRET_KEY; the row keeps only the code's HMAC, by which a
link finds its account, and when it expires and was used. Someone who reads the database alone can
neither use nor forge a code. Issuing a new code replaces the old one. A used code stays known as used,
so that a second try is told so ("已使用"), as is an expired one; trying codes is throttled as logins are
(counted under "activate:<user name>", and by address).
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import format_datetime as format_moment
from sqlalchemy import and_, bindparam, exists, func, insert, select, update

from workflow import InvalidPayload, WorkflowError
from workflow.errors import N_
from workflow.payload import Boolean, Field, Text, message, validate

from ..extensions import db
from ..models import ApiToken, AuditEntry, ExternalIdentity, Notification, User
from ..operations import audit, clock
from ..operations.admin import authorize
from ..operations.unit import finish
from . import passwords

EVENT = "activation_code"  # the event of its outbox row
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read out and typed from paper
LENGTH = 12  # 31**12: about 59 bits, and every try is throttled
ACTIVATE_FIELDS = {"new_password": Text(required=True, max_length=200)}

UNKNOWN = N_("The user name or the activation code is not right. Check them on your slip or message.")
USED = N_(
    "This activation code has been used already. Sign in with your password, or ask the union office for a new code."
)
EXPIRED = N_("This activation code has expired. Ask the union office for a new one.")


class CodeRefused(WorkflowError):
    """The code is unknown, not this user's, used, or expired; nothing was changed."""

    code = "activation_code_invalid"


def _key() -> bytes:
    key = current_app.config["SECRET_KEY"]
    return key.encode() if isinstance(key, str) else key


def code_of(salt: str, key: bytes | None = None) -> str:
    """The code a salt stands for, as printed: XXXX-XXXX-XXXX."""
    number = int.from_bytes(hmac.new(key or _key(), f"activation-code:{salt}".encode(), hashlib.sha256).digest())
    chars = []
    for _ in range(LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    plain = "".join(chars)
    return f"{plain[:4]}-{plain[4:8]}-{plain[8:]}"


def normalised(code: str) -> str:
    """The code as typed, without its dashes and spaces, in capitals (what a link carries)."""
    return "".join(c for c in (code or "").upper() if c.isalnum())[: 4 * LENGTH]


def digest(code: str, key: bytes | None = None) -> str:
    """The HMAC a code is found by (fast: a code is random, not a chosen password)."""
    return hmac.new(key or _key(), f"activation:{normalised(code)}".encode(), hashlib.sha256).hexdigest()


def new_code(key: bytes | None = None) -> tuple[str, str, str]:
    """A fresh (salt, code, digest); `key` (the application's, once for many) saves looking it up."""
    key = key or _key()
    salt = secrets.token_hex(32)
    code = code_of(salt, key)
    return salt, code, digest(code, key)


def awaiting():
    """The condition of an account awaiting activation: active, no password, never signed in elsewhere."""
    signed_in = exists().where(ExternalIdentity.user_id == User.id, ExternalIdentity.last_login_at.is_not(None))
    return and_(User.active, User.password_hash.is_(None), ~signed_in)


def awaiting_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(awaiting()))


# -- issuing -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    user_id: int
    username: str
    name: str
    code: str
    expires_at: datetime


class UserIds(Field):
    def clean(self, value):
        if not isinstance(value, list) or not value or len(value) > 100_000:
            raise ValueError(N_("Give a list of user ids."))
        if any(isinstance(v, bool) or not isinstance(v, int) or not 0 < v < 2**31 for v in value):
            raise ValueError(N_("Give a list of user ids."))
        return sorted(set(value))

    def describe(self) -> dict:
        return {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1}


ISSUE_FIELDS = {"user_ids": UserIds(), "all_awaiting": Boolean(), "send": Boolean()}
CHOOSE = N_("Name the people (user_ids), or ask for everyone awaiting activation (all_awaiting).")


def chosen(data) -> list[int]:
    """The ids of the accounts a request names, checked: `user_ids` (active accounts) or `all_awaiting`."""
    clean = validate(ISSUE_FIELDS, data)
    ids, everyone = clean.get("user_ids"), bool(clean.get("all_awaiting"))
    if bool(ids) == everyone:  # both named, or neither: the field that is one too many, or the one missing
        raise InvalidPayload({"all_awaiting" if everyone else "user_ids": message(CHOOSE)}, message=CHOOSE)
    if everyone:
        return list(db.session.scalars(select(User.id).where(awaiting()).order_by(User.id)))
    found = {}
    for start in range(0, len(ids), 5000):
        part = ids[start : start + 5000]
        found |= dict(db.session.execute(select(User.id, User.active).where(User.id.in_(part))).all())
    unknown = [i for i in ids if i not in found]
    if unknown:
        text = N_("No such accounts: %(ids)s.")
        raise InvalidPayload({"user_ids": message(text, {"ids": ", ".join(map(str, unknown[:20]))})}, message=text)
    disabled = [i for i in ids if not found[i]]
    if disabled:
        text = N_("These accounts are disabled: %(ids)s. Enable them first.")
        raise InvalidPayload({"user_ids": message(text, {"ids": ", ".join(map(str, disabled[:20]))})}, message=text)
    return ids


def issue(user_ids: list[int], *, actor: User | None, how: str, now: datetime | None = None) -> list[Issued]:
    """New codes for these accounts (added, not committed), replacing their earlier ones; each on the audit
    log with `how` it is handed over ("slips", "send", "api", "cli"). The codes are returned, for this once."""
    authorize(actor)
    now = now or clock.utcnow()
    expires = now + timedelta(days=int(current_app.config["ACTIVATION_CODE_DAYS"]))
    issued, rows = [], []
    users = User.__table__
    key = _key()
    for start in range(0, len(user_ids), 5000):
        part = user_ids[start : start + 5000]
        for user_id, username, name in db.session.execute(
            select(users.c.id, users.c.username, users.c.name).where(users.c.id.in_(part)).order_by(users.c.id)
        ):
            salt, code, hashed = new_code(key)
            issued.append(Issued(user_id, username, name, code, expires))
            rows.append({"uid": user_id, "salt": salt, "hash": hashed})
    if rows:
        db.session.execute(
            update(users)
            .where(users.c.id == bindparam("uid"))
            .values(
                activation_salt=bindparam("salt"),
                activation_code_hash=bindparam("hash"),
                activation_expires_at=expires,
                activation_used_at=None,
            ),
            rows,
            execution_options={"synchronize_session": False},
        )
        _audit_each("user.activation_code_issued", [i.user_id for i in issued], {"how": how}, actor, now)
        summary = {"count": len(issued), "how": how, "expires_at": expires}
        audit.record("activation_codes.issue", None, summary, actor=actor, now=now)
    db.session.flush()
    db.session.expire_all()  # the ORM's copies of these users are stale now
    return issued


def _audit_each(action: str, user_ids: list[int], details: dict, actor: User | None, now: datetime) -> None:
    """One log row per account, written in one statement."""
    address = audit._address()
    plain = audit._plain(details)
    rows = [
        {
            "at": now,
            "actor_id": actor.id if actor is not None else None,
            "action": action,
            "target_type": "users",
            "target_id": user_id,
            "details": plain,
            "address": address,
        }
        for user_id in user_ids
    ]
    if rows:
        db.session.execute(insert(AuditEntry.__table__), rows)


def send(issued: list[Issued], *, actor: User | None, now: datetime | None = None) -> dict[str, int]:
    """Queue each code to its person (not committed): by mail where they have an address, and by SMS and
    the messengers configured where they have a number or an id. How many went which way, and how many
    could not be sent at all (those are to be printed)."""
    from ..closure.channels.plan import _row
    from ..closure.channels.preferences import configured
    from ..models import Delivery
    from ..models.channels import MESSENGERS

    now = now or clock.utcnow()
    ids = [i.user_id for i in issued]
    ready = set(configured()) - {"email"}
    emails, mobiles, handles = {}, {}, {}
    for start in range(0, len(ids), 5000):
        part = ids[start : start + 5000]
        for user_id, email, mobile in db.session.execute(
            select(User.id, User.email, User.mobile).where(User.id.in_(part))
        ):
            emails[user_id], mobiles[user_id] = email, mobile
        if ready & set(MESSENGERS):
            for user_id, provider, subject in db.session.execute(
                select(ExternalIdentity.user_id, ExternalIdentity.provider, ExternalIdentity.subject).where(
                    ExternalIdentity.user_id.in_(part), ExternalIdentity.provider.in_(ready & set(MESSENGERS))
                )
            ):
                handles.setdefault(user_id, []).append((provider, subject))
    counts = {"email": 0, "sms": 0, "messenger": 0, "unreachable": 0}
    sent_to = []
    for user_id in ids:
        ways = []
        if emails.get(user_id):
            ways.append(("email", None))
        if "sms" in ready and mobiles.get(user_id):
            ways.append(("sms", mobiles[user_id]))
        ways += handles.get(user_id, [])
        if not ways:
            counts["unreachable"] += 1
            continue
        state = "pending" if emails.get(user_id) else "skipped"
        notice = Notification(user_id=user_id, event=EVENT, created_at=now, email_state=state)
        db.session.add(notice)
        db.session.flush()
        deliveries = [_row(notice.id, channel, address) for channel, address in ways if channel != "email"]
        if deliveries:
            db.session.execute(insert(Delivery.__table__), deliveries)
        for channel, _ in ways:
            counts["email" if channel == "email" else "sms" if channel == "sms" else "messenger"] += 1
        sent_to.append(user_id)
    _audit_each("user.activation_code_sent", sent_to, {}, actor, now)
    return counts


# -- using a code --------------------------------------------------------------------------------------


def _refuse_if_dead(user: User, now: datetime) -> None:
    if user.activation_used_at is not None:
        raise CodeRefused(USED)
    if user.activation_expires_at is None or user.activation_expires_at <= now or not user.active:
        raise CodeRefused(EXPIRED)


def find_by_code(username: str, code: str, now: datetime | None = None) -> User:
    """The account `username` names if `code` is its code, live; or CodeRefused saying why."""
    now = now or clock.utcnow()
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()[:80]))
    wanted = digest(code) if normalised(code) else ""
    if user is None or not user.activation_code_hash or not hmac.compare_digest(user.activation_code_hash, wanted):
        raise CodeRefused(UNKNOWN)
    _refuse_if_dead(user, now)
    return user


def find_by_link(token: str, now: datetime | None = None) -> User:
    """The account whose live code the link carries; or CodeRefused saying why."""
    now = now or clock.utcnow()
    if not normalised(token) or len(token) > 64:
        raise CodeRefused(UNKNOWN)
    user = db.session.scalar(select(User).where(User.activation_code_hash == digest(token)))
    if user is None:
        raise CodeRefused(UNKNOWN)
    _refuse_if_dead(user, now)
    return user


def activate(user: User, data, *, by: str, now: datetime | None = None) -> User:
    """Set the user's own password with their live code (the policy applies) and use the code up
    (committed); the user's sessions end and API tokens stop. A refused password leaves the code usable."""
    now = now or clock.utcnow()
    _refuse_if_dead(user, now)
    clean = validate(ACTIVATE_FIELDS, data)
    passwords.check(clean["new_password"], user.username, (user.name, user.email), field="new_password")
    # used up by one request only: of two at once, the second finds it used
    used = db.session.execute(
        update(User)
        .where(User.id == user.id, User.activation_used_at.is_(None), User.activation_code_hash.is_not(None))
        .values(activation_used_at=now)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        db.session.rollback()
        raise CodeRefused(USED)
    user.set_password(clean["new_password"])
    user.must_change_password = False
    user.end_sessions()
    live = (ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    db.session.execute(
        update(ApiToken).where(*live).values(revoked_at=now).execution_options(synchronize_session=False)
    )
    audit.record("user.activated", user, {"by": by}, actor=user, now=now)
    finish()
    db.session.refresh(user)
    return user


# -- the messages (composed by the outboxes when they send the rows) ------------------------------------


def live_code(user: User, now: datetime) -> str | None:
    """The user's code as it is now, or None when there is none to send (used, expired, replaced by none)."""
    if not user.activation_salt or user.activation_used_at is not None:
        return None
    if user.activation_expires_at is None or user.activation_expires_at <= now or not user.active:
        return None
    return code_of(user.activation_salt)


def compose(notification: Notification, config, now: datetime) -> EmailMessage:
    """The email carrying the code of this outbox row, in the user's language."""
    from ..branding import site_name
    from ..closure.compose import absolute_url, message_to
    from ..closure.mail import DeliveryError

    user = notification.user
    code = live_code(user, now)
    if code is None:
        raise DeliveryError("The activation code was used or expired before it could be sent.", permanent=True)
    locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        product = site_name()
        body = render_template(
            "mail/activation_code.txt",
            user=user,
            code=code,
            page=absolute_url(config, "activation.by_code"),
            link=absolute_url(config, "activation.by_link", token=normalised(code)),
            expires=format_moment(user.activation_expires_at.replace(tzinfo=UTC), "short"),
            product=product,
        )
        from flask_babel import gettext

        subject = f"[{product}] {gettext('Your activation code')}"
    return message_to(user, subject, body, config, now, f"activation-{user.id}-{notification.id}")


def channel_text(notification: Notification, now: datetime | None = None) -> tuple[str, str] | None:
    """(text, link) of the SMS or messenger message of this row, in Chinese; None when the code is dead."""
    from flask_babel import gettext

    from ..closure.compose import absolute_url
    from ..closure.mail import MailConfig

    code = live_code(notification.user, now or clock.utcnow())
    if code is None:
        return None
    config = MailConfig.from_app(current_app.config)
    with force_locale("zh_Hans_CN"):
        text = gettext("Your activation code: %(code)s. Set your password with it:", code=code)
        return text, absolute_url(config, "activation.by_link", token=normalised(code))


# -- the one operation the page, the API and the command line call ---------------------------------------


@dataclass
class Handed:
    issued: list[Issued]
    sent: dict[str, int] | None  # by which way, when sent
    unreachable: int = 0  # chosen people who could not be sent a code (none was issued them)


def reachable(user_ids: list[int]) -> set[int]:
    """Those of these accounts a code can be sent to: with a mail address, or a mobile number or messenger
    id on a channel this installation has."""
    from ..closure.channels.preferences import configured
    from ..models.channels import MESSENGERS

    ready = set(configured()) - {"email"}
    found: set[int] = set()
    for start in range(0, len(user_ids), 5000):
        part = user_ids[start : start + 5000]
        ways = [User.email.is_not(None) & (User.email != "")]
        if "sms" in ready:
            ways.append(User.mobile.is_not(None) & (User.mobile != ""))
        found |= set(db.session.scalars(select(User.id).where(User.id.in_(part), db.or_(*ways))))
        messengers = ready & set(MESSENGERS)
        if messengers:
            found |= set(
                db.session.scalars(
                    select(ExternalIdentity.user_id).where(
                        ExternalIdentity.user_id.in_(part), ExternalIdentity.provider.in_(messengers)
                    )
                )
            )
    return found


def hand_out(data, *, actor: User | None, how: str) -> Handed:
    """Issue codes to the people `data` names ({"user_ids": [...]} or {"all_awaiting": true}), and with
    `"send": true` queue them to each by mail and the channels (then only to those who can be reached).
    Committed; the codes are in the answer, for this once."""
    authorize(actor)
    ids = chosen(data)
    sending = bool(isinstance(data, dict) and data.get("send") is True)
    unreachable = 0
    if sending:
        can = reachable(ids)
        unreachable = len(ids) - len(can)
        ids = [i for i in ids if i in can]
    issued = issue(ids, actor=actor, how="send" if sending else how)
    sent = send(issued, actor=actor) if sending else None
    finish()
    return Handed(issued, sent, unreachable)
