"""The ORM models, typed SQLAlchemy 2.0."""

from .attachment import ATTACHMENT_TYPES, Attachment
from .audit import AuditEntry
from .congress import SETTING_DATES, SETTING_DEFAULTS, CalendarOverride, CalendarYear, CongressSession
from .handling import Assignment, Countersignature, Evaluation, ProgressNote, Reply
from .history import HistoryEntry, Notification
from .login_attempt import LoginAttempt
from .org import DEFAULT_CATEGORIES, UNIT_KINDS, Category, OrgUnit, User, UserRole
from .proposal import FINAL_RATINGS, KINDS, NUMBERED_STATES, Cosignature, Proposal
from .reminder import REMINDER_KINDS, REMINDER_STAGES, Reminder
from .token import ApiToken
from .vote import Vote, VotePublication

__all__ = [
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
    "HistoryEntry",
    "Notification",
    "DEFAULT_CATEGORIES",
    "UNIT_KINDS",
    "Category",
    "OrgUnit",
    "User",
    "UserRole",
    "FINAL_RATINGS",
    "KINDS",
    "NUMBERED_STATES",
    "Cosignature",
    "Proposal",
    "ApiToken",
    "LoginAttempt",
    "REMINDER_KINDS",
    "REMINDER_STAGES",
    "Reminder",
    "ATTACHMENT_TYPES",
    "Attachment",
    "AuditEntry",
    "Vote",
    "VotePublication",
]
