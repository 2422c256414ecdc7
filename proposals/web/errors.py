"""Refused and failed requests as pages in the reader's language (the API answers its own in JSON)."""

from flask import render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from workflow.errors import N_

from ..extensions import db

MESSAGES = {
    400: (N_("The request could not be understood"), N_("Please go back, check what you sent and try again.")),
    403: (N_("Not allowed"), N_("Your roles do not allow this page or action.")),
    404: (N_("Not found."), N_("There is no such page, or you may not see it.")),
    405: (N_("Not possible here"), N_("This address does not take that kind of request.")),
    500: (N_("Something went wrong"), N_("Nothing was changed. Please try again in a moment.")),
}


def page(exc: HTTPException | Exception):
    status = exc.code if isinstance(exc, HTTPException) and exc.code in MESSAGES else 500
    if status == 500:
        db.session.rollback()
    if request.path.startswith("/api/"):  # unmatched API paths: the API's own JSON answer
        from ..api.errors import handle_http_error, handle_server_error

        return handle_server_error(exc) if status == 500 else handle_http_error(exc)
    heading, text = MESSAGES[status]
    return render_template("error.html", status=status, heading=gettext(heading), text=gettext(text)), status


def init_app(app) -> None:
    for status in MESSAGES:
        app.register_error_handler(status, page)
