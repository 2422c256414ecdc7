"""The ORM models, typed SQLAlchemy 2.0."""

from .attachment import ATTACHMENT_TYPES, Attachment
from .audit import AuditEntry
from .channels import ChannelDefault, ChannelPreference, Delivery, GroupRobot
from .congress import SETTING_DATES, SETTING_DEFAULTS, CalendarOverride, CalendarYear, CongressSession
from .handling import (
    DRAFT_STATUSES,
    Assignment,
    Countersignature,
    Evaluation,
    ProgressNote,
    Reply,
    ReplyDraft,
    ReplyFile,
)
from .history import HistoryEntry, Notification
from .identity import ExternalIdentity
from .import_job import JOB_STATES, ImportJob
from .login_attempt import LoginAttempt
from .login_session import LoginSession
from .message import SIDES, MessageAttachment, ProposalMessage
from .org import DEFAULT_CATEGORIES, UNION_KINDS, UNIT_KINDS, Category, OrgUnit, UnionRole, User, UserRole, root_union
from .password_reset import PasswordReset
from .proposal import FINAL_RATINGS, KINDS, NUMBERED_STATES, Cosignature, Invitation, Proposal, ProposalVersion
from .reminder import REMINDER_KINDS, REMINDER_STAGES, Reminder
from .second_factor import RecoveryCode, SecondFactor
from .slips import SignInSlips
from .token import ApiToken
from .vote import Vote, VotePublication

__all__ = [
    "JOB_STATES",
    "ImportJob",
    "SETTING_DATES",
    "SETTING_DEFAULTS",
    "CongressSession",
    "CalendarOverride",
    "CalendarYear",
    "Assignment",
    "Countersignature",
    "Evaluation",
    "ProgressNote",
    "Reply",
    "ReplyDraft",
    "ReplyFile",
    "DRAFT_STATUSES",
    "HistoryEntry",
    "Notification",
    "DEFAULT_CATEGORIES",
    "UNIT_KINDS",
    "Category",
    "root_union",
    "OrgUnit",
    "User",
    "UserRole",
    "UnionRole",
    "UNION_KINDS",
    "FINAL_RATINGS",
    "KINDS",
    "NUMBERED_STATES",
    "Cosignature",
    "Invitation",
    "ProposalVersion",
    "Proposal",
    "ApiToken",
    "ExternalIdentity",
    "LoginAttempt",
    "LoginSession",
    "RecoveryCode",
    "SecondFactor",
    "PasswordReset",
    "REMINDER_KINDS",
    "REMINDER_STAGES",
    "Reminder",
    "SignInSlips",
    "ATTACHMENT_TYPES",
    "Attachment",
    "AuditEntry",
    "ChannelDefault",
    "ChannelPreference",
    "Delivery",
    "GroupRobot",
    "Vote",
    "VotePublication",
    "SIDES",
    "ProposalMessage",
    "MessageAttachment",
]
