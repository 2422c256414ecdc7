"""Typed refusals of the engine. Messages are English msgids, translated by the caller."""


def N_(message: str) -> str:
    """Mark a string for translation without translating it (extracted by pybabel)."""
    return message


class WorkflowError(Exception):
    """Base of every refusal: nothing was changed."""

    code = "workflow_error"

    def __init__(self, message: str, **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


class UnknownEvent(WorkflowError):
    code = "unknown_event"


class PermissionDenied(WorkflowError):
    """The actor may not fire this event on this proposal."""

    code = "permission_denied"


class StateConflict(WorkflowError):
    """The proposal's present state (or a concurrent change) does not allow the event."""

    code = "conflict"

    def __init__(self, message: str, state: str, available: list[str] | tuple[str, ...] = (), **params):
        super().__init__(message, state=state, **params)
        self.state = state
        self.available = list(available)


class InvalidPayload(WorkflowError):
    """One or more fields are wrong; `fields` maps each field to (msgid, params)."""

    code = "invalid"

    def __init__(self, fields: dict[str, tuple[str, dict]], message: str = N_("Please correct the marked fields.")):
        super().__init__(message)
        self.fields = fields


class DefinitionError(Exception):
    """The lifecycle definition itself is broken; raised when it is loaded."""
