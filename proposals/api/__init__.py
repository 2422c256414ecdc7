"""The JSON API v1 (/api/v1): token auth, the whole lifecycle, reference data, numbers, an OpenAPI description.

Views load, check access with proposals.access, call one operation and serialize; the API has no
rules of its own.
"""

from flask import Blueprint, Flask

from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import (  # noqa: E402, F401  (register the routes on bp)
    account,
    activation,
    admin,
    administration,
    attachments,
    auth,
    calendar,
    channels,
    errors,
    exports,
    imports,
    messages,
    notifications,
    openapi,
    proposals,
    reply_files,
    stats,
    thresholds,
    votes,
)

errors.register(bp)


def init_app(app: Flask) -> None:
    csrf.exempt(bp)  # bearer tokens, not cookies: nothing for a forged cross-site request to ride on
    app.register_blueprint(bp)
