"""The web pages, by area: the blueprint `bp` of each area is registered in init_app, and its
`NAV` entries appear in the main menu for the roles they name. Pages call the same operations as
the JSON API and hold no rules of their own.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from flask import abort, request
from flask_babel import gettext
from flask_login import current_user

from workflow.errors import N_

from .. import unions
from ..i18n import event_label
from ..labels import choice_label, outcome_label
from ..routing import is_api_request

HISTORY_LABELS = {  # history rows that are not lifecycle events
    "create": N_("Draft written"),
    "edit": N_("Draft edited"),
    "attach": N_("Attachments added"),
    "detach": N_("Attachment removed"),
    "calendar": N_("Deadlines counted again on the year's official calendar"),
    "reply_files": N_("Files added to the reply"),
}


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str  # msgid
    roles: tuple[str, ...] = ()  # empty: everyone logged in
    order: int = 50
    shown: Callable[[], bool] | None = None  # besides the roles: whether it shows now (None: always)


_NAV: list[NavItem] = []


def nav_items() -> list[NavItem]:
    """The main menu for the current user."""
    if not current_user.is_authenticated:
        return []
    from .tasks import landing

    # one who lands elsewhere has no task list: "/" leads them to their landing page
    hidden = {"tasks.index"} if landing(current_user) != "tasks.index" else set()
    return [
        item
        for item in _NAV
        if item.endpoint not in hidden
        and (not item.roles or unions.holds_somewhere(current_user, item.roles))
        and (item.shown is None or item.shown())
    ]


def history_label(event: str) -> str:
    return gettext(HISTORY_LABELS[event]) if event in HISTORY_LABELS else event_label(event)


# where pages take files: the proposal form's attachments and each import form's file
FILE_INPUTS = re.compile(r"attachments|[a-z_]+-file")


def refuse_stray_parts() -> None:
    """Pages take forms: a JSON body, or a file sent for a text field, is refused before any form reads
    it (Flask-WTF would hand it to the form's text fields as they are)."""
    if request.method != "POST" or is_api_request():
        return
    if request.is_json or any(not FILE_INPUTS.fullmatch(name) for name in request.files):
        abort(400)


def refuse_invalid_text() -> None:
    """Bytes that are not UTF-8 in the query string or a form body are refused (400), on pages and API
    alike: Werkzeug would quietly turn them into U+FFFD and the request would go on with text nobody typed."""
    if not _utf8(request.query_string):
        abort(400)
    if request.mimetype == "application/x-www-form-urlencoded" and not _utf8(request.get_data(cache=True)):
        abort(400)


def _utf8(encoded: bytes) -> bool:
    try:
        unquote_to_bytes(encoded.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def init_app(app) -> None:
    app.before_request(refuse_invalid_text)
    app.before_request(refuse_stray_parts)
    from ..inputs import refuse_control_characters

    app.before_request(refuse_control_characters)
    from . import after_post

    after_post.init_app(app)
    from . import (
        admin,
        attachments,
        dashboard,
        exports,
        imports,
        lists,
        messages,
        notifications,
        own_data,
        proposals,
        public,
        review,
        tasks,
        votes,
    )

    _NAV.clear()
    # registered by name, each once: a page's link to another area never needs to ask whether it exists
    areas = (admin, attachments, dashboard, exports, imports, lists, notifications, own_data, proposals, public)
    for module in (*areas, messages, review, tasks, votes):
        app.register_blueprint(module.bp)
        _NAV.extend(getattr(module, "NAV", ()))
    _NAV.sort(key=lambda item: item.order)
    app.add_template_global(nav_items)
    app.add_template_global(choice_label)
    app.add_template_global(outcome_label)
    app.add_template_global(history_label)
    from . import sections

    sections.init_app(app)
