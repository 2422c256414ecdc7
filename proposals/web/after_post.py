"""Post, redirect, get: an address a page's form posts to is never a dead end when opened or reloaded.

A form sent with a mistake is shown again, with its errors, at the address it was posted to (the answer
says 4xx, the page keeps what was typed). That address takes POST only; opening it again, from the
address bar, the history or a reload that does not resend, would say "405 not possible here". Here a
GET (or HEAD) of such an address leads to the page the form stands on instead (303), for every page
form; the API keeps its 405.
"""

from flask import Flask, current_app, redirect, request, url_for
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from ..routing import is_api_request


def _proposal(proposal_id: int, **_) -> str:
    return url_for("proposals.detail", proposal_id=proposal_id)


def _to(endpoint: str, **fixed):
    return lambda **_: url_for(endpoint, **fixed)


# each page form's address (its endpoint) -> the page that shows the form, from the address's arguments
FORM_PAGES = {
    "proposals.fire": lambda proposal_id, event: url_for(
        "proposals.detail", proposal_id=proposal_id, _anchor=f"event-{event}"
    ),
    "attachments.remove": _proposal,
    "attachments.add_to_reply": _proposal,
    "messages.write": lambda proposal_id: url_for("proposals.detail", proposal_id=proposal_id, _anchor="messages"),
    "votes.vote": lambda proposal_id: url_for("votes.index", _anchor=f"p{proposal_id}"),
    "votes.withdraw": lambda proposal_id: url_for("votes.index", _anchor=f"p{proposal_id}"),
    "votes.publish": lambda session_id: url_for("votes.results", session=session_id),
    "notifications.open_": _to("notifications.index"),
    "notifications.read": _to("notifications.index"),
    "notifications.read_all": _to("notifications.index"),
    "imports.upload": lambda kind: url_for("imports.index", _anchor=kind),
    "imports.slips_pdf": _to("imports.index"),
    "imports.slips_page": _to("imports.index"),
    "account.revoke": _to("account.tokens"),
    "account.new_token": _to("account.tokens"),
    "account.logout_everywhere": _to("account.password"),
    "account.second_factor_setup": _to("account.second_factor_page"),
    "account.second_factor_confirm": _to("account.second_factor_page"),
    "account.second_factor_disable": _to("account.second_factor_page"),
    "admin.remove_override": _to("admin.calendar_page"),
    "admin.load_calendar_year": _to("admin.calendar_page"),
    "admin.retire_category": _to("admin.categories"),
    "admin.restore_category": _to("admin.categories"),
    "admin.save_channel_defaults": _to("admin.channels_page"),
    "admin.add_group_robot": _to("admin.channels_page"),
    "admin.remove_group_robot": _to("admin.channels_page"),
    "admin.retry_delivery": _to("admin.outbox_page"),
    "admin.retry_message": _to("admin.outbox_page"),
    "admin.deactivate": lambda unit_id: url_for("admin.edit_unit", unit_id=unit_id),
    "admin.reactivate": lambda unit_id: url_for("admin.edit_unit", unit_id=unit_id),
    "admin.set_password": lambda user_id: url_for("admin.edit_user", user_id=user_id),
    "admin.disable": lambda user_id: url_for("admin.edit_user", user_id=user_id),
    "admin.enable": lambda user_id: url_for("admin.edit_user", user_id=user_id),
}


def form_page_of(path: str) -> str | None:
    """The page whose form posts to `path`, when `path` is a page form's address; else None."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, args = adapter.match(path, method="POST")
    except (NotFound, MethodNotAllowed, RequestRedirect):
        return None
    target = FORM_PAGES.get(endpoint)
    return target(**args) if target is not None else None


def back_to_the_form():
    """A GET of a page form's address: to the page that shows the form (303), rather than a 405."""
    if request.method not in ("GET", "HEAD") or not isinstance(request.routing_exception, MethodNotAllowed):
        return None
    if is_api_request():
        return None
    target = form_page_of(request.path)
    return redirect(target, 303) if target is not None else None


def init_app(app: Flask) -> None:
    app.before_request(back_to_the_form)
