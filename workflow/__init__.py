"""The proposal lifecycle engine. It knows nothing of Flask or of any database."""

from .definition import DEFAULT_LIFECYCLE, OUTCOMES, RATINGS
from .engine import Decision, Lifecycle
from .errors import DefinitionError, InvalidPayload, PermissionDenied, StateConflict, UnknownEvent, WorkflowError
from .facts import ROLES, SYSTEM, Actor, Facts, Settings

LIFECYCLE = Lifecycle(DEFAULT_LIFECYCLE)

__all__ = [
    "DEFAULT_LIFECYCLE",
    "LIFECYCLE",
    "OUTCOMES",
    "RATINGS",
    "ROLES",
    "SYSTEM",
    "Actor",
    "Decision",
    "DefinitionError",
    "Facts",
    "InvalidPayload",
    "Lifecycle",
    "PermissionDenied",
    "Settings",
    "StateConflict",
    "UnknownEvent",
    "WorkflowError",
]
