from workflow import InvalidPayload, WorkflowError
from workflow.errors import N_


class NotFound(WorkflowError):
    """The object does not exist, or the user may not know that it does."""

    code = "not_found"

    def __init__(self, message: str = N_("Not found."), **params):
        super().__init__(message, **params)


class Duplicate(InvalidPayload):
    """The payload names something for good (a code) that another record already has: 409 in the API."""

    code = "duplicate"
