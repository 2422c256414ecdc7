"""Who is told by which channel: the union's defaults per kind of notice, and each person's own choice.

A kind of notice is a notification's event: each lifecycle event's notice, the deadline reminders and
the overdue notices (closure/messages.py kinds()). The in-app list always shows every notice; the
channels are email (while the person has email notifications on), SMS to their mobile number, and the
messengers to their id there. A person's choice for a kind replaces the union's default for it; a
kind nobody chose follows the default, and a default nobody set is email, as before the channels.
The union's default may also include "group": the department's group robot is told of the notices
to the department's handlers.
"""

from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, delete, select

from workflow import InvalidPayload, PermissionDenied
from workflow.errors import N_
from workflow.payload import text_problem

from ...extensions import db
from ...models import ChannelDefault, ChannelPreference, ExternalIdentity, User
from ...models.channels import GROUP, MESSENGERS, PERSONAL_CHANNELS
from ...operations import audit, clock
from ...operations.admin import authorize
from ...operations.unit import finish
from ..messages import kinds
from .messengers import APPS
from .sms import MAINLAND, SmsConfig

# a reset link and an activation code are sent whenever asked for: nobody opts out of them
KINDS = tuple(kind for kind in kinds() if kind not in ("password_reset", "activation_code"))
KIND_LABELS = {
    "submit": N_("Invitation to co-sign"),
    "withdraw": N_("A proposal you co-signed is withdrawn"),
    "cosign": N_("A new co-signer"),
    "close_cosigning": N_("Co-signing closed with too few co-signers"),
    "forward": N_("Forwarded by the delegation"),
    "send_back": N_("Sent back for revision"),
    "accept": N_("Accepted as a proposal"),
    "convert": N_("Accepted as a suggestion"),
    "reject": N_("Not accepted"),
    "merge": N_("Merged into another proposal"),
    "assign": N_("Assigned to a department"),
    "decline": N_("Returned for re-assignment"),
    "progress": N_("Progress recorded"),
    "countersign": N_("Countersigned by a co-handler"),
    "reply": N_("Replied to"),
    "reply_drafted": N_("A draft reply to countersign"),
    "reply_to_approve": N_("A draft reply to approve"),
    "reply_returned": N_("A draft reply returned for revision"),
    "approve_reply": N_("A reply approved and sent"),
    "return_reply": N_("A draft reply returned by the approver"),
    "evaluate": N_("The reply rated"),
    "close_unrated": N_("Closed without a rating"),
    "urge": N_("Urged by the supervisor"),
    "extend": N_("Deadline extended"),
    "remind_ack": N_("Reminder: acknowledge"),
    "remind_reply": N_("Reminder: reply due"),
    "remind_feedback": N_("Reminder: rate the reply"),
    "remind_cosign": N_("Reminder: co-signing closes"),
    "overdue_ack": N_("Overdue: not acknowledged"),
    "overdue_reply": N_("Overdue: no reply"),
    "remind_countersign": N_("Reminder: countersign the draft reply"),
    "overdue_countersign": N_("Overdue: the draft reply not countersigned"),
    "message": N_("A new message on a proposal"),
}
CHANNEL_LABELS = {
    "email": N_("Email"),
    "sms": N_("SMS"),
    "wecom": N_("WeCom"),
    "dingtalk": N_("DingTalk"),
    "feishu": N_("Feishu"),
    GROUP: N_("Department group"),
}
FALLBACK = frozenset({"email"})


def configured(config=None) -> tuple[str, ...]:
    """The personal channels this installation can send by: email always (it waits for MAIL_SERVER), the
    others once their settings are there."""
    config = config if config is not None else current_app.config
    ready = {"email": True, "sms": SmsConfig.from_app(config) is not None}
    ready.update({name: app.configured(config) for name, app in APPS.items()})
    return tuple(channel for channel in PERSONAL_CHANNELS if ready[channel])


def _split(channels: str | None) -> frozenset[str]:
    return frozenset(c for c in (channels or "").split(",") if c)


def _join(channels) -> str:
    order = (*PERSONAL_CHANNELS, GROUP)
    return ",".join(c for c in order if c in set(channels))


# built once: every event that tells someone runs them
_DEFAULTS = select(ChannelDefault.__table__.c.kind, ChannelDefault.__table__.c.channels)
_OWN = select(ChannelPreference.__table__.c.user_id, ChannelPreference.__table__.c.channels).where(
    ChannelPreference.__table__.c.user_id.in_(bindparam("ids", expanding=True)),
    ChannelPreference.__table__.c.kind == bindparam("kind"),
)


def defaults() -> dict[str, frozenset[str]]:
    """The union's channels for each kind of notice."""
    rows = {kind: _split(channels) for kind, channels in db.session.execute(_DEFAULTS)}
    return {kind: rows.get(kind, FALLBACK) for kind in KINDS}


def choices(user_ids, kind: str, union_defaults: dict | None = None) -> dict[int, frozenset[str]]:
    """Each user's channels for `kind` (their own choice, else the union's default), email included.
    `union_defaults`: defaults(), when the caller read them already."""
    default = (union_defaults if union_defaults is not None else defaults()).get(kind, FALLBACK) - {GROUP}
    ids = sorted(set(user_ids))
    own = {}
    if ids:
        own = dict(db.session.execute(_OWN, {"ids": ids, "kind": kind}).all())
    return {uid: (_split(own[uid]) if uid in own else default) for uid in ids}


def group_kinds(union_defaults: dict | None = None) -> set[str]:
    union_defaults = union_defaults if union_defaults is not None else defaults()
    return {kind for kind, channels in union_defaults.items() if GROUP in channels}


def identities_of(user: User) -> dict[str, str]:
    rows = db.session.scalars(
        select(ExternalIdentity).where(ExternalIdentity.user_id == user.id, ExternalIdentity.provider.in_(MESSENGERS))
    )
    return {row.provider: row.subject for row in rows}


def settings_of(user: User) -> dict:
    """What the person's notification settings page and API show."""
    own = dict(
        db.session.execute(
            select(ChannelPreference.kind, ChannelPreference.channels).where(ChannelPreference.user_id == user.id)
        ).all()
    )
    union = defaults()
    return {
        "email_notifications": bool(user.email_notifications),
        "mobile": user.mobile or "",
        "identities": {provider: identities_of(user).get(provider, "") for provider in MESSENGERS},
        "channels": list(configured()),
        "kinds": [
            {
                "kind": kind,
                "channels": sorted_channels(_split(own[kind]) if kind in own else union[kind] - {GROUP}),
                "default": sorted_channels(union[kind] - {GROUP}),
                "own": kind in own,
            }
            for kind in KINDS
        ],
    }


def sorted_channels(channels) -> list[str]:
    return [c for c in (*PERSONAL_CHANNELS, GROUP) if c in set(channels)]


def _channels(value, allowed, field: str, errors: dict):
    """A list of channel names, or None (follow the default); errors noted under `field`."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        errors[field] = N_("A list of channels is expected.")
        return None
    unknown = [c for c in value if c not in allowed]
    if unknown:
        errors[field] = (N_("Not a channel here: %(names)s."), {"names": ", ".join(unknown)})
        return None
    return frozenset(value)


def _mobile(value, errors: dict):
    if not isinstance(value, str):
        errors["mobile"] = N_("A mobile number is expected.")
        return None
    digits = value.strip().replace(" ", "").replace("-", "")
    if digits.startswith("+86"):
        digits = digits[3:]
    if digits and not MAINLAND.fullmatch(digits):
        errors["mobile"] = N_("Enter an 11-digit mainland mobile number, such as 13800138000.")
        return None
    return digits or None


def update_settings(user: User, data: dict, *, actor: User, now: datetime | None = None) -> dict:
    """Change a person's own mobile number, messenger ids and channels per kind (their own only), with its
    audit row; or refuse and write nothing.

    `data` may hold any of: mobile (str, "" to remove), identities ({provider: id or ""}), kinds
    ({kind: [channels] or null to follow the union's default}). Nothing changes unless all of it is right."""
    if actor is None or actor.id != user.id:
        raise PermissionDenied(N_("You may change only your own notification settings."))
    if not isinstance(data, dict):
        raise InvalidPayload({"kinds": N_("A JSON object is expected.")})
    now = now or clock.utcnow()
    errors: dict = {}
    unknown = set(data) - {"mobile", "identities", "kinds", "email_notifications"}
    if unknown:
        errors[sorted(unknown)[0]] = N_("Not a setting.")
    mobile = _mobile(data["mobile"], errors) if "mobile" in data else user.mobile
    email = data.get("email_notifications", user.email_notifications)
    if not isinstance(email, bool):
        errors["email_notifications"] = N_("True or false is expected.")
    identities = data.get("identities") or {}
    if not isinstance(identities, dict):
        errors["identities"] = N_("An object of messenger ids is expected.")
        identities = {}
    for provider, subject in identities.items():
        if provider not in MESSENGERS:
            errors[f"identities.{provider}"] = N_("Not a messenger.")
        elif not isinstance(subject, str) or len(subject.strip()) > 255:
            errors[f"identities.{provider}"] = N_("A messenger id of at most 255 characters is expected.")
        elif text_problem(subject, multiline=False):
            errors[f"identities.{provider}"] = text_problem(subject, multiline=False)
        elif subject.strip() and _taken(provider, subject.strip(), user):
            errors[f"identities.{provider}"] = N_("This messenger id belongs to another person.")
    kinds = data.get("kinds") or {}
    if not isinstance(kinds, dict):
        errors["kinds"] = N_("An object of kinds of notice is expected.")
        kinds = {}
    wanted = {}
    allowed = set(PERSONAL_CHANNELS)
    for kind, value in kinds.items():
        if kind not in KINDS:
            errors[f"kinds.{kind}"] = N_("Not a kind of notice.")
            continue
        wanted[kind] = _channels(value, allowed, f"kinds.{kind}", errors)
    if errors:
        raise InvalidPayload(errors)
    before = settings_of(user)
    user.mobile = mobile
    user.email_notifications = email
    for provider, subject in identities.items():
        set_identity(user, provider, subject.strip(), now)
    for kind, channels in wanted.items():
        _set_preference(user.id, kind, channels, now)
    db.session.flush()
    after = settings_of(user)
    changes = _changes(before, after)
    if changes:
        audit.record("notifications.settings", user, changes, actor=actor, now=now)
    finish()
    return after


def _taken(provider: str, subject: str, user: User) -> bool:
    owner = db.session.scalar(
        select(ExternalIdentity.user_id).where(
            ExternalIdentity.provider == provider, ExternalIdentity.subject == subject
        )
    )
    return owner is not None and owner != user.id


def set_identity(user: User, provider: str, subject: str, now: datetime) -> None:
    """One messenger id per person and messenger: the new one replaces theirs, "" removes it."""
    db.session.execute(
        delete(ExternalIdentity).where(
            ExternalIdentity.user_id == user.id,
            ExternalIdentity.provider == provider,
            ExternalIdentity.subject != subject,
        )
    )
    if subject and not db.session.scalar(
        select(ExternalIdentity.id).where(ExternalIdentity.provider == provider, ExternalIdentity.subject == subject)
    ):
        db.session.add(ExternalIdentity(user_id=user.id, provider=provider, subject=subject, created_at=now))


def _set_preference(user_id: int, kind: str, channels, now: datetime) -> None:
    row = db.session.scalar(
        select(ChannelPreference).where(ChannelPreference.user_id == user_id, ChannelPreference.kind == kind)
    )
    if channels is None:
        if row is not None:
            db.session.delete(row)
        return
    if row is None:
        row = ChannelPreference(user_id=user_id, kind=kind)
        db.session.add(row)
    row.channels, row.updated_at = _join(channels), now


def _changes(before: dict, after: dict) -> dict:
    changes = {}
    for name in ("mobile", "email_notifications"):
        if before[name] != after[name]:
            changes[name] = {"from": before[name], "to": after[name]}
    for provider in MESSENGERS:
        if before["identities"][provider] != after["identities"][provider]:
            changes[f"identities.{provider}"] = {
                "from": before["identities"][provider],
                "to": after["identities"][provider],
            }
    for old, new in zip(before["kinds"], after["kinds"], strict=True):
        if (old["channels"], old["own"]) != (new["channels"], new["own"]):
            changes[f"kinds.{new['kind']}"] = {
                "from": old["channels"] if old["own"] else None,
                "to": new["channels"] if new["own"] else None,
            }
    return changes


def defaults_view() -> list[dict]:
    union = defaults()
    return [{"kind": kind, "channels": sorted_channels(union[kind])} for kind in KINDS]


def update_defaults(data: dict, *, actor: User | None, now: datetime | None = None) -> list[dict]:
    """Set the union's default channels of some kinds of notice ({kind: [channels]}), with its audit row."""
    authorize(actor)
    if not isinstance(data, dict) or not isinstance(data.get("kinds"), dict):
        raise InvalidPayload({"kinds": N_("An object of kinds of notice is expected.")})
    unknown = sorted(set(data) - {"kinds"})
    if unknown:
        raise InvalidPayload({unknown[0]: N_("Not a setting.")})
    now = now or clock.utcnow()
    errors: dict = {}
    wanted = {}
    for kind, value in (data.get("kinds") or {}).items():
        if kind not in KINDS:
            errors[f"kinds.{kind}"] = N_("Not a kind of notice.")
            continue
        channels = _channels(value, {*PERSONAL_CHANNELS, GROUP}, f"kinds.{kind}", errors)
        if channels is None and f"kinds.{kind}" not in errors:
            errors[f"kinds.{kind}"] = N_("A list of channels is expected.")
        wanted[kind] = channels
    if errors:
        raise InvalidPayload(errors)
    union = defaults()
    changes = {}
    for kind, channels in wanted.items():
        if channels == union[kind]:
            continue
        row = db.session.get(ChannelDefault, kind) or ChannelDefault(kind=kind)
        row.channels, row.updated_at = _join(channels), now
        db.session.add(row)
        changes[kind] = {"from": sorted_channels(union[kind]), "to": sorted_channels(channels)}
    db.session.flush()
    if changes:
        audit.record("channels.defaults", None, changes, actor=actor, now=now)
    finish()
    return defaults_view()
