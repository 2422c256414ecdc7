"""What many test files share, in one place: logging in, the API client that checks every answer against
the OpenAPI document, request contexts, sample files, the clock moved by hand. Fixtures (the attachments
folder `files` among them) are in conftest.py; test files import from here, never from each other."""

import copy
import io
import re
import zipfile
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from openapi_schema_validator import OAS31Validator
from werkzeug.datastructures import FileStorage

from proposals.extensions import db
from proposals.models import ApiToken, OrgUnit, User
from proposals.operations import clock, create_union, create_unit, update_user
from proposals.unions import SCOPED_ROLES

from .conftest import PASSWORD, Cast

# -- logging in ------------------------------------------------------------------------------------


def login(client, user: User, password: str = PASSWORD):
    """Log `client` in as `user`, logging out whoever was logged in; the client, for chaining."""
    client.post("/logout")
    response = client.post("/login", data={"username": user.username, "password": password})
    assert response.status_code == 302, response.text
    return client


def sign_in(client, username: str, password: str = PASSWORD, address: str | None = None, **extra):
    """POST the login form as typed (the answer, to look at): for the tests of logging in itself."""
    environ = {"environ_base": {"REMOTE_ADDR": address}} if address else {}
    return client.post("/login", data={"username": username, "password": password, **extra}, **environ)


def logged_in(client) -> bool:
    return client.get("/").status_code == 200


# -- the API ---------------------------------------------------------------------------------------

PREFIX = "/api/v1"


def strict(schema):
    """The document with every object closed to undocumented properties: the tests' check that each
    field the API sends is described (the published document stays open to extension)."""
    if isinstance(schema, dict):
        schema = {k: strict(v) for k, v in schema.items()}
        if "properties" in schema and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [strict(v) for v in schema]
    return schema


class Api:
    """A test client for /api/v1 that authenticates as a user and validates every answer."""

    def __init__(self, client, document: dict, token: str | None = None, language: str | None = None):
        self.client = client
        self.document = document
        self.token = token
        self.language = language
        self._strict = strict(copy.deepcopy(document))
        self._routes = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path) for path in document["paths"]
        ]

    def as_(self, user: User, language: str | None = None) -> "Api":
        return Api(self.client, self.document, token_for(user), language)

    def request(self, method: str, path: str, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if self.token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.language:
            headers["Accept-Language"] = self.language
        # as on a server, each request has an application context (so `g`, the locale and the database
        # session) of its own; the test's session commits first so the request sees what it made, and
        # reads afresh afterwards what the request wrote
        db.session.commit()
        with self.client.application.app_context():
            response = self.client.open(PREFIX + path, method=method, headers=headers, **kwargs)
        self.conforms(method, path.split("?")[0], response)
        return response

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def patch(self, path, json=None, **kw):
        return self.request("PATCH", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def fire(self, proposal_id: int, event: str, payload: dict | None = None):
        return self.post(f"/proposals/{proposal_id}/events/{event}", json=payload)

    def conforms(self, method: str, path: str, response) -> None:
        """The status is documented for this operation and the body matches its schema."""
        template = next((t for pattern, t in self._routes if pattern.match(path)), None)
        if template is None:  # an undocumented path (or a system event): refused, in JSON
            assert response.status_code in (403, 404, 405), path
            assert response.is_json and response.json["error"]
            return
        operation = self._strict["paths"][template].get(method.lower())
        if operation is None:
            assert response.status_code == 405, (method, path)
            assert response.is_json and response.json["error"]
            return
        documented = operation["responses"].get(str(response.status_code))
        assert documented is not None, f"{method} {template}: {response.status_code} is not documented"
        content = documented.get("content")
        if content is None:
            assert not response.data
            return
        if "application/json" not in content:  # a file: of a documented type, and a download
            assert response.mimetype in content, (template, response.mimetype)
            assert response.headers["Content-Disposition"].startswith("attachment;")
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            return
        assert response.mimetype == "application/json"
        schema = {**content["application/json"]["schema"], "components": self._strict["components"]}
        OAS31Validator(schema, format_checker=OAS31Validator.FORMAT_CHECKER).validate(response.json)


def token_for(user: User, hours: int = 1) -> str:
    _, secret = ApiToken.issue(user, hours)
    db.session.commit()
    return secret


def api_client(client) -> Api:
    """An anonymous `Api` on the test client, with the document the application publishes."""
    return Api(client, client.get(PREFIX + "/openapi.json").json)


# -- pages -----------------------------------------------------------------------------------------


@contextmanager
def request_context(app, path: str = "/"):
    """A request context with a `g` of its own (see conftest.FreshContextClient)."""
    with app.app_context(), app.test_request_context(path):
        yield


def listed(page: str) -> list[int]:
    """The proposal ids of a list page's rows, in order."""
    return [int(n) for n in re.findall(r'<td class="plist-title"[^>]*>\s*<a href="/proposals/(\d+)"', page)]


# -- files -----------------------------------------------------------------------------------------

MB = 1024 * 1024
DOCX_TYPE = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def office(main_type: bytes, folder: str, part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            b'<?xml version="1.0"?><Types><Override PartName="/' + part.encode() + b'" ContentType="'
            b"" + main_type + b'"/></Types>',
        )
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(part, "<document/>")
    return buffer.getvalue()


SAMPLES = {
    "pdf": b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n",
    "docx": office(DOCX_TYPE, "word", "word/document.xml"),
    "xlsx": office(XLSX_TYPE, "xl", "xl/workbook.xml"),
    "jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9",
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64,
}


def upload(name: str, data: bytes) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def download(client, url: str):
    """GET a file and close the response (it holds the file open until then)."""
    with client.get(url) as response:
        response.get_data()
    return response


# -- time ------------------------------------------------------------------------------------------


def china(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """The naive UTC moment of `day` at hour:minute in China (UTC+8)."""
    return datetime.combine(day, time(hour, minute)) - timedelta(hours=8)


class Clock:
    """The operations' clock, moved by hand."""

    def __init__(self, monkeypatch):
        self.now = clock.utcnow()
        monkeypatch.setattr(clock, "utcnow", lambda: self.now)

    def pass_(self, **delta) -> None:
        self.now += timedelta(**delta)


# -- the admin pages -------------------------------------------------------------------------------

# the new-session page's form as an administrator fills it in: every setting's input
NEW_SESSION = {
    "code": "10-3",
    "name": "第十届职代会第三次会议",
    "is_open": "y",
    "collection_start": "2026-03-01",
    "collection_end": "2026-03-31",
    "cosign_deadline": "2026-04-05",
    "vote_start": "",
    "vote_end": "",
    "min_cosigners": "3",
    "ack_days": "5",
    "reply_days": "25",
    "feedback_days": "15",
    "max_rehandle": "2",
    "remind_days_before": "3",
    "vote_limit": "4",
    "two_axis_rating": "y",
    # the procedure (issue 14): a form gives every setting, these as their inputs come filled in
    "proposers": "workers",
    "min_cosigner_delegations": "0",
    "delegation_share": "0.5",
    "late_submissions": "accept",
    "delegation_review_days": "5",
    "key_remind_days_before": "5",
    # the reply as practised (issue 15): the classes one a line, as the form shows DOMAIN's
    "countersign_days": "5",
    "reply_approval": "none",
    "outcome_classes": "\n".join(
        ("A | A：已解决或采纳", "B | B：正在解决或列入计划解决 | planned_date", "C | C：暂不能解决，留作参考 | reason")
    ),
    "decline_days": "5",
}


# -- a group of unions ------------------------------------------------------------------------------


def move_into(cast, union: OrgUnit):
    """Make a conftest.Cast's congress roles (committee, delegates, …) roles held in `union`; its delegation
    lies there."""
    for person in cast.people().values():
        scoped = [{"role": r, "union_id": union.id} for r in sorted(person.roles) if r in SCOPED_ROLES]
        plain = sorted(r for r in person.roles if r not in SCOPED_ROLES) or ["worker"]
        update_user(person, {"roles": [*plain, *scoped]})
    cast.delegation.parent_id = union.id
    db.session.commit()
    return cast


def group_of_unions(make) -> tuple[dict, dict]:
    """The company union (某某集团公司工会) and two grassroots unions below it (FGS1, FGS2), a congress in each
    with its cast (conftest.Cast: the company's at the root, the others moved into their union): ({"root",
    "first", "second"}: the union units, the same keys: the casts)."""
    root = create_unit("union", {"code": "GH", "name": "某某集团公司工会"})
    first = create_union({"code": "FGS1", "name": "第一分公司工会", "parent_id": root.id})
    second = create_union({"code": "FGS2", "name": "第二分公司工会", "parent_id": root.id})
    casts = {
        "root": Cast(make, session=make.new_session()),
        "first": move_into(Cast(make, session=make.new_session(union_id=first.id)), first),
        "second": move_into(Cast(make, session=make.new_session(union_id=second.id)), second),
    }
    return {"root": root, "first": first, "second": second}, casts
