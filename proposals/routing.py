"""The application's paths: which requests the JSON API answers, and how an id in any path is read.

Lower layers (the language choice, the input checks, the first-login redirect, the error handler) ask
`is_api_request()` rather than the API package, and the id converter is registered once, by the app
factory, for the pages and the API alike.
"""

from flask import Flask, request
from werkzeug.routing import BaseConverter

API_PREFIX = "/api/"  # every version of the API, and unknown paths under it, answer in JSON
MAX_ID = 2**31 - 1  # the largest id an integer column holds (PostgreSQL's integer)


def is_api_request() -> bool:
    """Whether the request in hand is one for the JSON API (matched or not)."""
    return request.path.startswith(API_PREFIX)


class IdConverter(BaseConverter):
    """A record id in a path. A number too large to be an id names nothing (404) instead of
    overflowing the database's integer."""

    regex = r"\d{1,18}"

    def to_python(self, value: str) -> int:
        number = int(value)
        return number if number <= MAX_ID else 0

    def to_url(self, value) -> str:
        return str(int(value))


def init_app(app: Flask) -> None:
    # `int` too: an id in a page's path is read the same way
    app.url_map.converters["int"] = app.url_map.converters["id"] = IdConverter
