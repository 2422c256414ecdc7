from workflow import InvalidPayload, WorkflowError
from workflow.errors import N_


class NotFound(WorkflowError):
    """The object does not exist, or the user may not know that it does."""

    code = "not_found"

    def __init__(self, message: str = N_("Not found."), **params):
        super().__init__(message, **params)


class Taken(InvalidPayload):
    """A user name or code that must be unique is already in use, perhaps by a request of a moment ago."""

    code = "taken"
