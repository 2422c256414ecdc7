"""The JSON API v1 (/api/v1): token auth, the whole lifecycle, reference data, numbers, an OpenAPI description.

Views load, check access with proposals.access, call one operation and serialize; the API has no
rules of its own.
"""

from flask import Blueprint, Flask
from werkzeug.routing import BaseConverter

from ..extensions import csrf

MAX_ID = 2**31 - 1


class IdConverter(BaseConverter):
    """A record id in a path. A number too large to be an id names nothing (404) instead of
    overflowing the database's integer."""

    regex = r"\d{1,18}"

    def to_python(self, value: str) -> int:
        number = int(value)
        return number if number <= MAX_ID else 0

    def to_url(self, value) -> str:
        return str(int(value))


bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import (  # noqa: E402, F401  (register the routes on bp)
    account,
    admin,
    administration,
    attachments,
    auth,
    calendar,
    channels,
    errors,
    exports,
    imports,
    notifications,
    openapi,
    proposals,
    stats,
    votes,
)

errors.register(bp)


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    csrf.exempt(bp)  # bearer tokens, not cookies: nothing for a forged cross-site request to ride on
    app.register_blueprint(bp)
