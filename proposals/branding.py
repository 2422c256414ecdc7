"""The name the site goes by: the union's own (某某公司工会, the name of the root `union` unit), or the
generic product title on an install that has not named its union yet. Pages, mail and printed
documents all take it from here."""

from flask import g, has_app_context, has_request_context
from flask_babel import pgettext

from . import unions


def union_name() -> str | None:
    """The union's name, looked up once per request (a page asks for it more than once)."""
    if not has_app_context():
        return None
    if not has_request_context():
        return _lookup()
    if "union_name" not in g:
        g.union_name = _lookup()
    return g.union_name


def _lookup() -> str | None:
    unit = unions.current().root  # (the group's tree, which the request has read already as a rule)
    return unit.name if unit is not None else None


def site_name() -> str:
    """The union's name, else the product's generic title in the language of the moment."""
    return union_name() or pgettext("product name", "Proposals")


def init_app(app) -> None:
    app.add_template_global(site_name)
    app.add_template_global(union_name)
