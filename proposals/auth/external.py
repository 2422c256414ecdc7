"""Signing in through a provider (proposals/auth/providers/): who the provider's identity is here.

An identity already linked (an ExternalIdentity row of this provider and subject) is its user. At a first
login the identity is matched on the provider's configured field (user name, 工号, email or mobile) to
exactly one account, and linked to it; no match is refused, unless the provider may create accounts.
A disabled account is refused, linked or not. Refusals and links write their audit rows; nothing else
changes on a refusal. The person's password, roles and department stay managed here.
"""

from sqlalchemy import func, select

from workflow import WorkflowError
from workflow.errors import N_

from ..extensions import db
from ..models import ExternalIdentity, User
from ..operations import audit, clock
from .providers import Identity, Provider

UNKNOWN = N_(
    "No account here belongs to the person who signed in with %(provider)s. "
    "Please ask the union office to set up your account."
)
AMBIGUOUS = N_(
    "Several accounts here match the person who signed in with %(provider)s. "
    "Please ask the union office to link the right one."
)
LINKED_ELSEWHERE = N_(
    "Your account here is already linked to another %(provider)s account. Please contact the union office."
)
DISABLED = N_("This account is disabled. Please contact the union office.")


class ExternalLoginRefused(WorkflowError):
    """The provider named a person, but they may not log in here (unknown, ambiguous, disabled)."""

    code = "external_login_refused"


def provider_label(provider: Provider) -> str:
    from flask_babel import gettext

    return provider.label or gettext(provider.default_label)


def sign_in(provider: Provider, identity: Identity) -> User:
    """The active user `identity` is (linked on a first login, or created where the provider may create
    accounts); the login's audit row is added. Raise ExternalLoginRefused, with its audit row added (not
    committed: the caller commits, either way)."""
    link = db.session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.provider == provider.name, ExternalIdentity.subject == identity.subject
        )
    )
    if link is not None:
        user = db.session.get(User, link.user_id)
    else:
        user = _first_login_user(provider, identity)
    if not user.active:
        _refuse(provider, identity, DISABLED, "disabled", user)
    if link is None:
        link = ExternalIdentity(user_id=user.id, provider=provider.name, subject=identity.subject)
        db.session.add(link)
        details = {"provider": provider.name, "subject": identity.subject, "matched_on": provider.match}
        audit.record("user.external_link", user, details, actor=user)
    link.last_login_at = clock.utcnow()
    details = {"provider": provider.name, "subject": identity.subject}
    audit.record("login.provider", user, details, actor=user)
    db.session.flush()
    return user


def _first_login_user(provider: Provider, identity: Identity) -> User:
    value = getattr(identity, provider.match)
    users = _matching(provider.match, value) if value else []
    if len(users) > 1:
        _refuse(provider, identity, AMBIGUOUS, "ambiguous")
    if not users:
        if not provider.create_users:
            _refuse(provider, identity, UNKNOWN, "unknown")
        return _create(provider, identity)
    user = users[0]
    other = db.session.scalar(
        select(ExternalIdentity.id).where(
            ExternalIdentity.provider == provider.name, ExternalIdentity.user_id == user.id
        )
    )
    if other is not None:  # one person here, one account there: a second one is somebody else
        _refuse(provider, identity, LINKED_ELSEWHERE, "linked_elsewhere", user)
    return user


def _matching(field: str, value: str) -> list[User]:
    column = getattr(User, field)
    if field == "email":
        condition = func.lower(column) == value.lower()
    elif field == "mobile":
        national = value.removeprefix("+86").replace(" ", "").replace("-", "")
        condition = column.in_({value, national, f"+86{national}"})
    else:
        condition = column == value
    return list(db.session.scalars(select(User).where(condition).limit(2)))


def _create(provider: Provider, identity: Identity) -> User:
    username = (identity.username or identity.subject)[:80]
    if db.session.scalar(select(User.id).where(User.username == username)):
        _refuse(provider, identity, UNKNOWN, "username_taken")
    employee_no = identity.employee_no
    if employee_no and db.session.scalar(select(User.id).where(User.employee_no == employee_no)):
        employee_no = None  # another account has it: the union office sorts that out, not a login
    user = User(
        username=username,
        name=(identity.name or username)[:100],
        email=identity.email,
        mobile=identity.mobile,
        employee_no=employee_no,
        password_hash=None,  # signs in through the provider only, until an administrator gives a password
    )
    user.roles = provider.roles
    db.session.add(user)
    db.session.flush()
    details = {"username": username, "name": user.name, "roles": provider.roles, "provider": provider.name}
    audit.record("user.create", user, details, actor=None)
    return user


def _refuse(provider: Provider, identity: Identity, message: str, reason: str, user: User | None = None):
    details = {
        "provider": provider.name,
        "subject": identity.subject,
        "username": identity.username,
        "employee_no": identity.employee_no,
        "reason": reason,
    }
    audit.record("login.provider_refused", user, details, actor=None)
    raise ExternalLoginRefused(message, provider=provider_label(provider))
