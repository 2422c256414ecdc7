"""Forgotten passwords (忘记密码): a one-time link by email to set a new password.

- Asking: a user name or an email address. When it names an active account with an email address, a
  link is queued in the outbox (proposals/closure/outbox.py) and mailed by the next `send-mail`/`tick`.
  The answer is the same whether or not anything was sent, and requests are throttled like logins
  (proposals/auth/throttle.py: per account and per address, counted under "reset:<user name>").
- The link works for LINK_MINUTES, once, and only while it is the newest link of its user.
- Using it sets a new password under the password policy, ends every session and revokes every API
  token of the user, and is logged (user.password_reset_by_link); every request is on the log too, by
  the name typed and the address, whether or not it named an account.

The link's secret is never stored: it is HMAC(SECRET_KEY, salt) of the row, made again when the message
is composed; the row keeps only the secret's SHA-256 (proposals/models/password_reset.py).
"""

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import format_datetime as format_moment
from sqlalchemy import func, or_, select, update

from workflow import WorkflowError
from workflow.errors import N_
from workflow.payload import Text, validate

from ..closure.mail import DeliveryError, MailConfig
from ..closure.messages import sentence
from ..extensions import db
from ..models import ApiToken, Notification, PasswordReset, User
from ..operations import audit, clock
from ..operations.unit import finish
from . import passwords, throttle

LINK_MINUTES = 30
EVENT = "password_reset"  # the event of its outbox row
REQUEST_FIELDS = {"login": Text(required=True, max_length=200)}
RESET_FIELDS = {"new_password": Text(required=True, max_length=200)}


class LinkInvalid(WorkflowError):
    """The link is unknown, used, expired, or superseded by a newer one."""

    code = "reset_link_invalid"


def mail_configured() -> bool:
    """Whether links can be mailed at all (MAIL_SERVER set); if not, people ask the administrator."""
    return bool(MailConfig.from_app(current_app.config).server)


def _secret(salt: str) -> str:
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, f"password-reset:{salt}".encode(), hashlib.sha256).hexdigest()


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _accounts(login: str) -> list[User]:
    """The active accounts with an email address that `login` names: by user name, else by email."""
    found = db.session.scalar(select(User).where(User.username == login))
    if found is not None:
        users = [found]
    elif "@" in login:
        users = list(db.session.scalars(select(User).where(func.lower(User.email) == login.casefold())))
    else:
        users = []
    return [u for u in users if u.active and u.email]


def request_link(data, address: str, now: datetime | None = None) -> None:
    """Queue a link for the account(s) `data["login"]` names, if any; raise LoginThrottled when this
    account or address asked (or failed to log in) too often lately. Says nothing of what it found."""
    now = now or clock.utcnow()
    login = validate(REQUEST_FIELDS, data)["login"].strip()
    users = _accounts(login)
    key = f"reset:{users[0].username if len(users) == 1 else login}"
    throttle.check(key, address, now)
    throttle.record(key, address, succeeded=False, now=now)  # every request counts, as a failure does
    if not mail_configured():
        return
    for user in users:
        new_link(user, address, now)
    finish()


def new_link(user: User, address: str, now: datetime | None = None) -> tuple[PasswordReset, str]:
    """A new link for `user` in the outbox (not committed), replacing the user's earlier ones, and its
    secret (what the mailed address carries)."""
    now = now or clock.utcnow()
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None), PasswordReset.expires_at > now)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    salt = secrets.token_hex(32)
    notice = Notification(user_id=user.id, event=EVENT, created_at=now, email_state="pending")
    db.session.add(notice)
    db.session.flush()
    link = PasswordReset(
        user_id=user.id,
        salt=salt,
        token_hash=_digest(_secret(salt)),
        notification_id=notice.id,
        address=address[:64],
        created_at=now,
        expires_at=now + timedelta(minutes=LINK_MINUTES),
    )
    db.session.add(link)
    # the request itself is on the log as its throttle row (proposals/reports/audit_log.py), found or not
    return link, _secret(salt)


def find_link(secret: str, now: datetime | None = None) -> PasswordReset:
    """The live link with this secret, or LinkInvalid."""
    now = now or clock.utcnow()
    if not secret or len(secret) > 128:
        raise LinkInvalid(N_("This link is invalid or has expired. Please ask for a new one."))
    link = db.session.scalar(
        select(PasswordReset).where(
            PasswordReset.token_hash == _digest(secret),
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > now,
        )
    )
    if link is None or not link.user.active:
        raise LinkInvalid(N_("This link is invalid or has expired. Please ask for a new one."))
    return link


def reset_with_link(secret: str, data, now: datetime | None = None) -> User:
    """Set the new password of the link's user (the policy applies), use up the link, end every session
    and revoke every API token of the user. A refused password leaves the link usable."""
    now = now or clock.utcnow()
    link = find_link(secret, now)
    clean = validate(RESET_FIELDS, data)
    user = link.user
    passwords.check(clean["new_password"], user.username, (user.name, user.email), field="new_password")
    # the link is used up by one request only: of two at once, the second finds it used
    used = db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == link.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        db.session.rollback()
        raise LinkInvalid(N_("This link is invalid or has expired. Please ask for a new one."))
    user.set_password(clean["new_password"])
    user.must_change_password = False
    user.end_sessions()
    live = (ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    db.session.execute(
        update(ApiToken).where(*live).values(revoked_at=now).execution_options(synchronize_session=False)
    )
    audit.record("user.password_reset_by_link", user, {"link": link.id}, actor=user)
    finish()
    return user


def purge(now: datetime | None = None) -> int:
    """Delete links that ended (used or expired) more than a day ago; return how many."""
    now = now or clock.utcnow()
    cutoff = now - timedelta(days=1)
    stale = select(PasswordReset).where(or_(PasswordReset.expires_at < cutoff, PasswordReset.used_at < cutoff))
    rows = list(db.session.scalars(stale))
    for row in rows:
        db.session.delete(row)
    finish()
    return len(rows)


# -- the message (composed by the outbox when it sends the row) --------------------------------------


def compose(notification: Notification, config: MailConfig, now: datetime) -> EmailMessage:
    """The email carrying the link of this outbox row, in the user's language."""
    # the outbox imports this module's caller, not the reverse
    from ..branding import site_name
    from ..closure.compose import absolute_url, message_to

    user = notification.user
    link = db.session.scalar(select(PasswordReset).where(PasswordReset.notification_id == notification.id))
    if link is None or link.used_at is not None or link.expires_at <= now:
        # a dead link is not worth a message (the mail was held up, or a newer link replaced it)
        raise DeliveryError("The password reset link expired or was replaced before it could be sent.", permanent=True)
    locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        product = site_name()
        body = render_template(
            "mail/password_reset.txt",
            user=user,
            link=absolute_url(config, "password_reset.reset", token=_secret(link.salt)),
            minutes=LINK_MINUTES,
            expires=format_moment(link.expires_at.replace(tzinfo=UTC), "short"),
            product=product,
        )
        subject = f"[{product}] {sentence(EVENT, None, reader=user)}"
    return message_to(user, subject, body, config, now, f"password-reset-{link.id}-{link.created_at:%Y%m%d%H%M%S}")
