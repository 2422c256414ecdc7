"""Signing in with the company account: the directory's part of proposals/auth/credentials.authenticate.

Asked for the user names the directory may own: those of directory users (linked accounts) and those
nobody here has. Local accounts are never sent to the directory, so a directory that is down, or an
entry named like a local account, locks no local account out.
"""

from flask import current_app
from sqlalchemy.exc import IntegrityError

from workflow import WorkflowError
from workflow.errors import N_

from ..extensions import db
from ..models import User
from . import accounts, client
from .client import DirectoryUnavailable

__all__ = ["DirectoryUnavailable", "DirectoryRefused", "sign_in", "UNAVAILABLE"]

UNAVAILABLE = N_(
    "The company directory cannot be reached just now, so company accounts cannot log in. "
    "Please try again later, or contact the union office."
)
DISABLED = N_("This account is disabled in the company directory. Please contact your IT department.")
NOT_HERE = N_("Your company account has no account in this system yet. Please contact the union office.")


class DirectoryRefused(WorkflowError):
    """The password was right, but the person may not log in: disabled in the directory, or unknown here."""

    code = "login_refused"


def sign_in(username: str, password: str) -> User | None:
    """The account of the directory entry whose password this is, brought in line with the entry
    (flushed, not committed); None when the directory does not know the name or the password.
    Raise DirectoryRefused for a disabled entry or one that may not get an account here,
    DirectoryUnavailable when the directory cannot be asked."""
    entry = client.sign_in(username, password)
    if entry is None:
        return None
    if entry.disabled:
        raise DirectoryRefused(DISABLED)
    create = bool(current_app.config["LDAP_CREATE_USERS"])
    link_by = [w for w in current_app.config["LDAP_LINK_BY"] if w == "employee_no"]  # a name here is not proof
    try:
        outcome = accounts.apply(entry, create=create, link_by=link_by)
    except IntegrityError:  # the same person's first sign-in in two places at once: the other made the account
        db.session.rollback()
        outcome = accounts.apply(entry, create=False)
    if outcome.user is None:
        raise DirectoryRefused(NOT_HERE)
    accounts.touch(outcome.user, entry)
    return outcome.user
