"""Hostile input against every endpoint of the JSON API, field by field from its OpenAPI document.

The API's contract (proposals/api/openapi.py): request bodies are closed objects
(`additionalProperties: false`), so an unknown field is refused with 422 naming it; a body that is
not JSON, or not sent as JSON, is a 400.
"""

import io
import itertools
import json
import re
from datetime import date, timedelta

import pytest

from proposals.extensions import db
from proposals.models import ApiToken
from proposals.operations import create_category
from workflow.calendar import is_working_day

from ..conftest import PASSWORD
from .conftest import EVENT_SETUP, MEGABYTE, PATH_IDS, TEXTS, reclass_outcome

PREFIX = "/api/v1"
RAW = "@@raw@@"
WRONG_TYPES = {"number": 12345, "list": ["a"], "object": {"a": 1}, "null": None, "true": True}
NUMBERS = {  # JSON literals
    "huge": str(10**30),
    "beyond_int64": str(2**63),
    "twenty_digits": str(10**20),
    "two_to_seventy": str(2**70),
    "minus_one": "-1",
    "zero": "0",
    "overflow_float": "1e309",
    "nan": "NaN",
    "infinity": "-Infinity",
    "fraction": "1.5",
}
_n = itertools.count(1)


def values_for(schema: dict) -> dict[str, object]:
    """Hostile values for a field of this schema; a str starting with RAW is a JSON literal."""
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "integer":
        numbers = {k: RAW + v for k, v in NUMBERS.items() if k not in ("beyond_int64", "infinity")}
        return {**numbers, "as_text": "1", "list": [1], "true": True}
    if kind == "boolean":
        return {"text": "true", "one": 1, "zero": 0, **WRONG_TYPES}
    if kind == "array":
        return {
            "huge_item": [RAW + str(10**30)],
            "negative_item": [-1],
            "text_item": ["<script>alert(1)</script>"],
            "null_item": [None],
            "nested": [[1]],
            "many": list(range(1, 10_001)),
            "text": "1",
            "object": {"a": 1},
        }
    if "enum" in schema or schema.get("format") == "date":
        picked = {k: TEXTS[k] for k in ("script", "sql_drop", "nul", "rare_cjk", "megabyte")}
        return {**picked, "impossible_date": "2026-02-30", "far_year": "99999-01-01", "number": 1, "null": None}
    # a representative few: each kind of value is checked by the same code for every text field
    texts = {k: v for k, v in TEXTS.items() if k not in ("sql_or", "escape", "emoji")}
    return {**texts, "surrogate": "\ud800", "number": 12345, "list": ["a"], "null": None}


def fits(schema: dict, value) -> bool:
    """Whether a text value matches the field's `pattern` (single-line or multi-line text); other values fit."""
    if not isinstance(value, str) or value.startswith(RAW) or "pattern" not in schema:
        return True
    return re.fullmatch(schema["pattern"], value.strip()) is not None


def body_text(body: dict) -> str:
    text = json.dumps(body)
    return re.sub(f'"{RAW}([^"]*)"', lambda m: m.group(1), text)


def far_day(n: int) -> dict:
    """A day of the union's calendar to change, one for each call: a far-off Saturday made a working day
    (`true` is the one valid boolean among the hostile values, so it must be the valid one here)."""
    day = date(2090, 1, 7) + timedelta(weeks=n)
    assert day.weekday() == 5 and not is_working_day(day)
    return {"day": day.isoformat(), "working": True}


# -- who calls what, with which valid body ----------------------------------------------------------


class Api:
    def __init__(self, world, supply):
        self.world = world
        self.supply = supply
        self._tokens: dict[str, str] = {}
        self._session_id = None
        self._category_id = None
        self._spares: dict[str, int] = {}

    def token(self, who: str) -> str:
        if who not in self._tokens:
            _, secret = ApiToken.issue(self.world.user(who), 2)
            db.session.commit()
            self._tokens[who] = secret
        return self._tokens[who]

    def headers(self, who) -> dict:
        """Authorization as one of the cast (a name), as a user of its own (a User), or none."""
        if who is None:
            return {}
        if not isinstance(who, str):
            _, secret = ApiToken.issue(who, 2)
            db.session.commit()
            return {"Authorization": f"Bearer {secret}"}
        return {"Authorization": f"Bearer {self.token(who)}"}

    def spare_session(self) -> int:
        if self._session_id is None:
            self._session_id = self.world.make.new_session().id
            db.session.commit()
        return self._session_id

    def spare(self, what: str) -> int:
        """A user or unit of the battery's own, which it changes."""
        if what not in self._spares:
            made = self.world.make.unit("department") if what == "unit" else self.world.make.user("worker")
            db.session.commit()
            self._spares[what] = made.id
        return self._spares[what]

    def spare_category(self) -> int:
        if self._category_id is None:
            self._category_id = create_category({"code": "hostile-spare", "name": "备用类别"}).id
        return self._category_id

    def target(self, method: str, path: str) -> tuple[str, str, dict, tuple[str, ...]]:
        """(who, concrete url, a valid body, the fields whose text is stored as sent)"""
        cast = self.world.cast
        n = next(_n)
        if path.startswith("/proposals/{proposal_id}/events/"):
            event = path.rsplit("/", 1)[1]
            who, _state, _steps = EVENT_SETUP[event]
            proposal_id = self.supply.for_event(event)
            body = {
                "send_back": {"reason": "请补充。"},
                "reject": {"reason": "不属于职权范围。"},
                "decline": {"reason": "不属本部门。"},
                "merge": {"into_id": self.supply.merge_target()},
                "assign": {"lead_department_id": cast.lead_dept.id, "cohandler_department_ids": [cast.co_dept.id]},
                "progress": {"note": "正在办理。"},
                "reply": {"text": "已解决。", "outcome": "A"},
                "evaluate": {"rating": "satisfied"},
                "extend": {"days": 5, "reason": "需协调。"},
                "request_extension": {"days": 5, "reason": "需协调。"},
                "refuse_extension": {"reason": "时间充足。"},
                "request_return": {"reason": "不属本部门。"},
                "refuse_return": {"reason": "属本部门职责。"},
                "request_rehandle": {"reason": "答复不具体。"},
                "reclass": {"outcome": reclass_outcome(self.supply), "reason": "尚在落实。"},
                "mark_key": {"reason": "涉及全体职工。"},
                "escalate": {"reason": "超出本单位职权范围。"},
                "unmark_key": {"reason": "已不必列为重点。"},
                "return_reply": {"reason": "请补充领用方式。"},
            }.get(event, {})
            return (
                who,
                f"/proposals/{proposal_id}/events/{event}",
                body,
                ("reason", "comment", "note", "text", "contact"),
            )
        draft = {
            "session_id": cast.session.id,
            "title": "关于食堂的提案",
            "reason": "座位不足。",
            "measures": "增加座位。",
            "category": "welfare",
        }
        unit = {"code": f"H{n}", "name": f"单位{n}"}
        return {
            ("post", "/auth/token"): (
                None,
                "/auth/token",
                {"username": cast.worker.username, "password": PASSWORD},
                (),
            ),
            ("post", "/me/password"): (
                self.world.make.user("worker"),  # a user of its own: the battery changes its password
                "/me/password",
                {"current_password": PASSWORD, "new_password": "New-Secret-123x!"},
                (),
            ),
            ("post", "/users"): (
                "admin",
                "/users",
                {"username": f"h{n}", "name": "某人", "password": "Secret-123x!", "roles": ["worker"]},
                ("username", "name", "email"),
            ),
            ("post", "/departments"): ("admin", "/departments", unit, ("code", "name")),
            ("post", "/delegations"): ("admin", "/delegations", unit, ("code", "name")),
            ("post", "/sessions"): ("admin", "/sessions", {"code": f"HS{n}", "name": f"会议{n}"}, ("code", "name")),
            ("post", "/unions"): (
                "admin",
                "/unions",
                {"code": f"HU{n}", "name": f"基层工会{n}", "parent_id": self.supply.company_union()},
                ("code", "name"),
            ),
            ("patch", "/sessions/{session_id}"): ("admin", f"/sessions/{self.spare_session()}", {}, ("name",)),
            ("post", "/categories"): ("admin", "/categories", {"code": f"hc{n}", "name": f"类别{n}"}, ("code", "name")),
            ("patch", "/categories/{category_id}"): ("admin", f"/categories/{self.spare_category()}", {}, ("name",)),
            ("post", "/proposals"): ("author", "/proposals", draft, ("title", "reason", "measures")),
            ("put", "/me/notification-settings"): (
                "worker",
                "/me/notification-settings",
                {"mobile": "13800138000", "kinds": {"remind_reply": ["email"]}},
                (),
            ),
            ("put", "/notification-defaults"): ("admin", "/notification-defaults", {"kinds": {"reply": ["email"]}}, ()),
            ("post", "/group-robots"): (
                "admin",
                "/group-robots",
                {"department_id": cast.lead_dept.id, "provider": "wecom", "webhook": "https://qyapi.example.cn/hook"},
                ("webhook", "secret"),
            ),
            # a year far off: loading it moves no deadline of the battery's proposals
            ("put", "/calendar/{year}"): ("admin", "/calendar/2090", {"holidays": [["2090-01-01", "2090-01-01"]]}, ()),
            ("patch", "/users/{user_id}"): (
                "admin",
                f"/users/{self.spare('changed user')}",
                {},
                ("name", "email"),
            ),
            ("post", "/users/{user_id}/password"): (
                "admin",
                f"/users/{self.spare('new password')}/password",
                {},
                (),
            ),
            ("patch", "/units/{unit_id}"): ("admin", f"/units/{self.spare('unit')}", {}, ("name",)),
            ("post", "/users/activation-codes"): (
                "admin",
                "/users/activation-codes",
                {"user_ids": [self.spare("activation code")]},
                (),
            ),
            ("put", "/union"): ("admin", "/union", {"name": f"工会{n}"}, ("name",)),
            ("put", "/union/dashboard-thresholds"): (
                "admin",
                "/union/dashboard-thresholds",
                {"green": 90, "amber": 70},
                (),
            ),
            # far-off days: adding them moves no deadline of the battery's proposals
            ("post", "/calendar/overrides"): (
                "admin",
                "/calendar/overrides",
                far_day(n),
                ("note",),
            ),
            ("post", "/proposals/{proposal_id}/messages"): (
                "author",
                f"/proposals/{self.supply.for_event('progress')}/messages",  # in the dialogue's window
                {"text": "请问办理进度。"},
                ("text",),
            ),
            ("patch", "/proposals/{proposal_id}"): (
                "author",
                f"/proposals/{self.supply.for_event('submit')}",
                {},
                ("title", "reason", "measures"),
            ),
        }[(method, path)]


@pytest.fixture(scope="module")
def api(world, supply):
    return Api(world, supply)


@pytest.fixture(scope="module")
def document(world):
    return world.app.test_client().get(PREFIX + "/openapi.json").get_json()


def operations(document) -> list[tuple[str, str, dict]]:
    return [
        (method, path, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in ("post", "put", "patch", "delete")
    ]


# -- every route is in the document, so nothing escapes the battery -------------------------------


def test_every_api_route_is_described(world, document):
    described = {
        (m.upper(), re.sub(r"\{[^}]+\}", "{}", path)) for path, item in document["paths"].items() for m in item
    }
    for rule in world.app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX):
            continue
        path = re.sub(r"<[^>]+>", "{}", rule.rule[len(PREFIX) :])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if path.endswith("/events/{}"):  # one path per event in the document
                assert any(m == method and p.startswith(path[:-2]) for m, p in described), rule
            else:
                assert (method, path) in described, f"{method} {rule.rule} is not in the OpenAPI document"


# -- bodies -----------------------------------------------------------------------------------------


def write_operations():
    from proposals.api.openapi import document  # built from the field specs alone

    return [
        (m, p)
        for m, p, op in operations(document())
        if "application/json" in op.get("requestBody", {}).get("content", {})  # (uploads: test_hostile_uploads)
    ]


WRITES = write_operations()


# the fields of the session's procedure (issue 14): each is in a body the battery fuzzes field by field
PROCEDURE_FIELDS = [
    ("post", "/sessions", "proposers"),
    ("post", "/sessions", "min_cosigner_delegations"),
    ("post", "/sessions", "delegation_share"),
    ("post", "/sessions", "late_submissions"),
    ("post", "/sessions", "preset"),
    ("patch", "/sessions/{session_id}", "proposers"),
    ("patch", "/sessions/{session_id}", "min_cosigner_delegations"),
    ("patch", "/sessions/{session_id}", "delegation_share"),
    ("patch", "/sessions/{session_id}", "late_submissions"),
    ("patch", "/sessions/{session_id}", "preset"),
    ("post", "/proposals", "delegation_proposal"),
    ("post", "/proposals", "invitees"),
    ("patch", "/proposals/{proposal_id}", "delegation_proposal"),
    ("patch", "/proposals/{proposal_id}", "invitees"),
]


@pytest.mark.parametrize(("method", "path", "field"), PROCEDURE_FIELDS)
def test_the_procedure_fields_are_fuzzed(method, path, field, document):
    assert (method, path) in WRITES
    schema = document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    assert field in schema["properties"] and values_for(schema["properties"][field])


@pytest.mark.parametrize(("method", "path"), WRITES, ids=[f"{m} {p}" for m, p in WRITES])
def test_hostile_fields(method, path, api, document, probe):
    """Each field of each request body, one hostile value at a time, the other fields valid."""
    schema = document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    client = api.world.app.test_client()
    for field, field_schema in schema["properties"].items():
        for label, value in values_for(field_schema).items():
            with probe.subtests.test(field=field, value=label):
                who, url, body, stored_fields = api.target(method, path)
                body = {**body, field: value}
                stored = (value,) if isinstance(value, str) and not value.startswith(RAW) else ()
                stored = stored if field in stored_fields else ()
                response = probe.send(
                    client,
                    method.upper(),
                    PREFIX + url,
                    data=body_text(body),
                    content_type="application/json",
                    headers=api.headers(who),
                    stored=stored,
                )
                if label in ("megabyte", "nul", "escape", "surrogate", "huge", "nan", "overflow_float") or not fits(
                    field_schema, value
                ):
                    assert response.status_code == 422, (field, label, response.status_code)
                if response.status_code == 422:
                    assert field in response.get_json().get("fields", {}), response.get_json()


@pytest.mark.parametrize(("method", "path"), WRITES, ids=[f"{m} {p}" for m, p in WRITES])
def test_hostile_bodies(method, path, api, document, probe):
    """Missing and unknown fields, bodies of the wrong shape, type, encoding or syntax."""
    schema = document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    client = api.world.app.test_client()

    def send(label, data, content_type="application/json", expect=None):
        with probe.subtests.test(body=label):
            who, url, _body, _stored = api.target(method, path)
            response = probe.send(
                client, method.upper(), PREFIX + url, data=data, content_type=content_type, headers=api.headers(who)
            )
            if expect is not None:
                assert response.status_code == expect, (label, response.status_code, response.get_data()[:300])
            return response

    for field in schema["required"]:
        who, url, body, _stored = api.target(method, path)
        body.pop(field)
        response = send(f"missing {field}", json.dumps(body), expect=422)
        assert field in response.get_json()["fields"]
    _who, _url, body, _stored = api.target(method, path)
    response = send("unknown field", json.dumps({**body, "is_admin": True}), expect=422)
    assert "is_admin" in response.get_json()["fields"]
    send("malformed JSON", '{"title": "半截', expect=400)
    send("trailing garbage", json.dumps(body) + "}", expect=400)
    send("invalid UTF-8", b'{"title": "\xff\xfe\xc3"}', expect=400)
    send("UTF-16", json.dumps(body).encode("utf-16"), expect=None)
    send("text/plain", json.dumps(body), content_type="text/plain", expect=400)
    send("form-encoded", "title=x&reason=y", content_type="application/x-www-form-urlencoded", expect=400)
    send("multipart", b"", content_type="multipart/form-data; boundary=x", expect=None)
    send("array", "[1, 2]", expect=422 if schema["required"] or schema["properties"] else None)
    send("string", '"<script>alert(1)</script>"', expect=422 if schema["properties"] else None)
    send("number", str(10**30), expect=422 if schema["properties"] else None)
    send("deep nesting", "[" * 100_000 + "]" * 100_000, expect=None)
    send("megabyte body", json.dumps({**body, "x": "y" * MEGABYTE}), expect=422)


# -- every route with hostile ids and no token -----------------------------------------------------


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, rule


def test_ids_out_of_range(world, api, probe):
    """An id no integer column can hold names nothing: 404, never an overflow."""
    client = world.app.test_client()
    for method, rule in routes(world.app):
        if "<id:" not in rule.rule:
            continue
        for raw in PATH_IDS:
            url = re.sub(r"<id:[^>]+>", raw, rule.rule).replace("<event>", "accept")
            with probe.subtests.test(method=method, url=url):
                response = probe.send(
                    client, method, url, data="{}", content_type="application/json", headers=api.headers("admin")
                )
                assert response.status_code in (404, 405), response.status_code


def test_anonymous_is_refused_everywhere(world, probe):
    client = world.app.test_client()
    public = {"/api/v1/openapi.json", "/api/v1/auth/token"}
    for method, rule in routes(world.app):
        url = re.sub(r"<[a-z]+:[^>]+>", "1", rule.rule).replace("<event>", "accept")
        with probe.subtests.test(method=method, url=url):
            response = probe.send(client, method, url, data="{}", content_type="application/json")
            if rule.rule not in public:
                assert response.status_code == 401, response.status_code
    with probe.subtests.test(token="garbage"):
        for token in ("x" * MEGABYTE, "\x00", "😀", "' OR 1=1 --"):
            response = probe.send(client, "GET", PREFIX + "/me", headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 401


# -- query strings ---------------------------------------------------------------------------------


QUERY_VALUES = {
    **{k: v for k, v in TEXTS.items()},
    **{"huge": str(10**30), "two_to_seventy": str(2**70), "minus": "-1", "zero": "0", "nan": "NaN", "inf": "1e309"},
}


@pytest.mark.parametrize(
    "path", ["/proposals", "/stats", "/notifications", "/votes", "/votes/results", "/reports/ledger.csv", "/audit"]
)
def test_hostile_query_strings(path, world, api, document, probe):
    client = world.app.test_client()
    params = {p["name"]: p["schema"] for p in document["paths"][path]["get"]["parameters"] if p["in"] == "query"}
    assert params
    for name in [*params, "unknown"]:
        integer = params.get(name, {}).get("type") == "integer"
        refused = {"megabyte", "nul"} | ({"huge", "two_to_seventy"} if integer else set())
        for label, value in QUERY_VALUES.items():
            if not fits(params.get(name, {}), value):
                refused = refused | {label}
            with probe.subtests.test(param=name, value=label):
                headers = api.headers("admin")
                response = probe.send(client, "GET", PREFIX + path, query_string={name: value}, headers=headers)
                if name in params and label in refused:
                    assert response.status_code in (404, 422), response.status_code
        for raw in ("%FF%FE", "%00", "%ED%A0%80", "a&" + name + "=b"):
            with probe.subtests.test(param=name, raw=raw):
                response = probe.send(client, "GET", f"{PREFIX}{path}?{name}={raw}", headers=api.headers("admin"))
                if raw in ("%FF%FE", "%ED%A0%80"):  # not UTF-8 (a lone surrogate is not either)
                    assert response.status_code == 400, response.status_code
                    assert response.get_json()["code"] == "bad_request", response.get_json()


# -- uploads ---------------------------------------------------------------------------------------

HOSTILE_NAMES = {
    "script": "<script>alert(1)</script>.pdf",
    "traversal": "../../../etc/passwd.pdf",
    "nul": "a\x00b.pdf",
    "bidi": "gpj\u202eexe.pdf",
    "long": "长" * 5000 + ".pdf",
    "no_name": "\u200b",
    "reserved": 'con<>:"|?*.pdf',
}
BROKEN_MULTIPART = b'--x\r\nContent-Disposition: form-data; name="attachments"\r\n'
PDF_BODY = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def test_hostile_uploads(world, api, supply, probe):
    """Files for an attachment and for an import: hostile names, kinds and shapes of request."""
    client = world.app.test_client()
    draft = supply.for_event("submit")  # the author's draft

    def fresh_cases():  # (a file's stream is read and closed by the request it is sent with)
        return {
            **{f"name {label}": {"attachments": (io.BytesIO(PDF_BODY), name)} for label, name in HOSTILE_NAMES.items()},
            "an executable": {"attachments": (io.BytesIO(b"MZ\x90\x00" + b"\0" * 64), "a.pdf")},
            "html as pdf": {"attachments": (io.BytesIO(b"<html><script>alert(1)</script>"), "a.pdf")},
            "a zip bomb's head": {"attachments": (io.BytesIO(b"PK\x03\x04" + b"\xff" * 64), "a.docx")},
            "another field": {"files": (io.BytesIO(PDF_BODY), "a.pdf")},
            "no file": {},
            "text, not a file": {"attachments": "<script>alert(1)</script>"},
        }

    for label, data in fresh_cases().items():
        with probe.subtests.test(upload=label):
            response = probe.send(
                client,
                "POST",
                f"{PREFIX}/proposals/{draft}/attachments",
                data=data,
                content_type="multipart/form-data",
                headers=api.headers("author"),
            )
            if label.startswith("name "):
                assert response.status_code in (201, 422), response.status_code
                if response.status_code == 201:
                    (shown,) = response.get_json()
                    assert not set(shown["filename"]) & set('<>:"/\\|?*\x00\u202e'), shown["filename"]
                    assert len(shown["filename"]) <= 200
                    db.session.commit()
                    remove = client.delete(
                        f"{PREFIX}/proposals/{draft}/attachments/{shown['id']}", headers=api.headers("author")
                    )
                    assert remove.status_code == 204  # (so that the count of five is never reached)
            else:
                assert response.status_code == 422, (label, response.status_code)
    for label, (data, content_type) in {
        "json": (json.dumps({"attachments": []}), "application/json"),
        "form": ("attachments=x", "application/x-www-form-urlencoded"),
        "broken multipart": (
            b'--x\r\nContent-Disposition: form-data; name="attachments"\r\n',
            "multipart/form-data; boundary=x",
        ),
        "no boundary": (b"garbage", "multipart/form-data"),
    }.items():
        with probe.subtests.test(body=label):
            response = probe.send(
                client,
                "POST",
                f"{PREFIX}/proposals/{draft}/attachments",
                data=data,
                content_type=content_type,
                headers=api.headers("author"),
            )
            assert 400 <= response.status_code < 500, response.status_code
    in_dialogue = f"{PREFIX}/proposals/{supply.for_event('progress')}/messages"
    for label, data in fresh_cases().items():
        with probe.subtests.test(message_upload=label):
            response = probe.send(
                client,
                "POST",
                in_dialogue,
                data={"text": "附件见下。", **data},
                content_type="multipart/form-data",
                headers=api.headers("author"),
            )
            if label.startswith("name "):
                assert response.status_code in (201, 422), response.status_code
                for shown in response.get_json()["attachments"] if response.status_code == 201 else ():
                    assert not set(shown["filename"]) & set('<>:"/\\|?*\x00\u202e'), shown["filename"]
                    assert len(shown["filename"]) <= 200
            elif label in ("another field", "no file", "text, not a file"):
                assert response.status_code == 201, (label, response.status_code)  # a message without files
            else:
                assert response.status_code == 422, (label, response.status_code)
    for label, name in HOSTILE_NAMES.items():
        with probe.subtests.test(import_name=label):
            response = probe.send(
                client,
                "POST",
                f"{PREFIX}/imports/roster",
                data={"file": (io.BytesIO(b"<script>alert(1)</script>\x00"), name)},
                content_type="multipart/form-data",
                headers=api.headers("admin"),
            )
            assert response.status_code == 422, response.status_code
