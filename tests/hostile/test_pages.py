"""Hostile input against every form of the web pages.

Each write route has an entry in FORMS: who posts it, the page that holds its form and where it
posts. The fields are read from that form as the page renders it (so a new field is fuzzed without
a change here), filled with what the page suggests plus a few valid values, and then each field in
turn gets each hostile value. A write route without an entry fails test_every_form_is_covered.
"""

import io
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from lxml import html as lxml_html
from sqlalchemy import select, update

from proposals.extensions import db
from proposals.models import CalendarOverride, Category, Notification

from ..conftest import PASSWORD
from .conftest import EVENT_SETUP, MEGABYTE, NOT_ONE_LINE, NOT_TEXT, NUMBER_TEXTS, PATH_IDS, TEXTS, reclass_outcome

_n = itertools.count(1)
TEXT_INPUTS = {"text", "textarea", "email", "search", "password", "tel", "url", None}
CHOICE_TEXTS = {k: TEXTS[k] for k in ("script", "sql_drop", "nul", "crlf", "megabyte")}


@dataclass
class Form:
    who: str | None  # one of the cast; None: a user of its own, logged in afresh for each request
    host: Callable  # world, target url -> the page with the form
    target: Callable  # world -> the url the form posts to (a fresh object where a post uses one up)
    fill: Callable = lambda world: {}  # noqa: E731  valid values the page does not suggest
    stores: bool = True  # accepted texts are kept as typed
    fields: set = field(default_factory=set)  # fields the page does not show, to fuzz as well


def fresh_user(world):
    return world.make.user("worker")


def fresh_unit(world, active=True):
    unit = world.make.unit("department")
    if not active:
        unit.active = False
    db.session.commit()
    return unit.id


def fresh_override(world):
    """A calendar override to remove: a working day of 2030 made a day off."""
    from datetime import date, timedelta

    from proposals.operations import add_calendar_override
    from workflow import calendar

    day = date(2030, 1, 1)
    taken = set(db.session.scalars(select(CalendarOverride.day)))
    while not calendar.is_working_day(day) or day in taken:
        day += timedelta(days=1)
    return add_calendar_override({"day": day.isoformat(), "working": False, "note": "停工"}).id


def parked_message(world):
    """A notification of the author's parked as undelivered, to send again."""
    row_id = author_notification(world)
    db.session.execute(
        update(Notification)
        .where(Notification.id == row_id)
        .values(email_state="failed", attempts=8, last_error="550 5.1.1 No such mailbox")
    )
    db.session.commit()
    return row_id


def parked_delivery(world):
    """An SMS of the author's notification parked as undelivered, to send again."""
    from proposals.models import Delivery

    notification = Notification(user_id=world.cast.author.id, event="remind_reply", email_state="skipped")
    db.session.add(notification)
    db.session.flush()
    row = Delivery(
        notification_id=notification.id,
        channel="sms",
        address="13800138000",
        key=f"hostile-{next(_n)}",
        state="failed",
        attempts=8,
        last_error="isv.MOBILE_NUMBER_ILLEGAL",
    )
    db.session.add(row)
    db.session.commit()
    return row.id


def fresh_robot(world):
    """A department group's robot, to remove."""
    from proposals.closure.channels.robots import add_robot

    data = {"department_id": world.make.unit("department").id, "provider": "wecom", "webhook": "https://q.example.cn/h"}
    robot = add_robot(data, actor=None)
    db.session.commit()
    return robot.id


def reset_link(world):
    """The address of a fresh forgotten-password link of a fresh user."""
    from proposals.auth.reset import new_link

    user = world.make.user("worker", email=f"h{next(_n)}@example.cn")
    _link, secret = new_link(user, "127.0.0.1")
    db.session.commit()
    return f"/password/reset/{secret}"


def activation_link(world):
    """The address of a fresh activation code's link, of a fresh user."""
    from proposals.auth import activation

    user = world.make.user("worker")
    (issued,) = activation.issue([user.id], actor=None, how="api")
    db.session.commit()
    return f"/activate/{activation.normalised(issued.code)}"


def fresh_category(world):
    from proposals.operations import create_category

    n = next(_n)
    return create_category({"code": f"hc{n}", "name": f"类别{n}"}).id


def retired_category(world):
    from proposals.operations import update_category

    category = db.session.get(Category, fresh_category(world))
    return update_category(category, {"retired": True}).id


def fresh_slips(world):
    """Sign-in slips of an import, kept for the administrator: a post takes them."""
    from proposals.reports import sign_in

    kept = sign_in.seal(world.cast.admin, [("王五", f"slip{next(_n)}", "initial-secret")])
    db.session.commit()
    return kept.id


def author_notification(world):
    return db.session.scalar(
        select(Notification.id).where(Notification.user_id == world.cast.author.id).order_by(Notification.id)
    )


def draft_with_attachment(world):
    from proposals.operations import create_draft_with_attachments

    class Upload:
        filename = "a.pdf"
        stream = io.BytesIO(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

    data = {"session_id": world.cast.session.id, "title": "带附件", "reason": "理由", "measures": "措施"}
    proposal = create_draft_with_attachments(world.cast.author, {**data, "category": "welfare"}, [Upload()])
    return proposal.id, proposal.attachments[0].id


def event_target(event):
    def target(world):
        return f"/proposals/{world.supply.for_event(event)}/events/{event}"

    return target


def proposal_page(world, target):
    return "/proposals/" + target.split("/")[2]


EVENT_FILL = {
    "merge": lambda world: {"merge-into_id": str(world.supply.merge_target())},
    "assign": lambda world: {"assign-lead_department_id": str(world.cast.lead_dept.id)},
    "reply": lambda world: {"reply-text": "已解决。", "reply-outcome": "A"},
    "evaluate": lambda world: {"evaluate-rating": "satisfied"},
    "extend": lambda world: {"extend-days": "5", "extend-reason": "需协调。"},
    "reject": lambda world: {"reject-reason": "不属于职权范围。"},
    "send_back": lambda world: {"send_back-reason": "请补充。"},
    "decline": lambda world: {"decline-reason": "不属本部门。"},
    "request_extension": lambda world: {"request_extension-days": "5", "request_extension-reason": "需协调。"},
    "refuse_extension": lambda world: {"refuse_extension-reason": "时间充足。"},
    "request_return": lambda world: {"request_return-reason": "不属本部门。"},
    "refuse_return": lambda world: {"refuse_return-reason": "属本部门职责。"},
    "request_rehandle": lambda world: {"request_rehandle-reason": "答复不具体。"},
    "reclass": lambda world: {"reclass-outcome": reclass_outcome(world.supply), "reclass-reason": "尚在落实。"},
    "progress": lambda world: {"progress-note": "办理中。"},
    "mark_key": lambda world: {"mark_key-reason": "涉及全体职工。"},
    "unmark_key": lambda world: {"unmark_key-reason": "已不必列为重点。"},
}


def draft_fields(world):
    return {"title": "关于食堂的提案", "reason": "座位不足。", "measures": "增加座位。", "category": "welfare"}


FORMS = {
    "auth.login": Form("anonymous", lambda w, t: "/login", lambda w: "/login", stores=False),
    "auth.logout": Form(None, lambda w, t: "/", lambda w: "/logout", stores=False),
    "password_reset.forgot": Form("anonymous", lambda w, t: t, lambda w: "/password/forgot", stores=False),
    "password_reset.reset": Form("anonymous", lambda w, t: t, reset_link, stores=False),
    "activation.by_code": Form("anonymous", lambda w, t: "/activate", lambda w: "/activate", stores=False),
    "activation.by_link": Form("anonymous", lambda w, t: t, activation_link, stores=False),
    "admin.activation_codes": Form(
        "admin",
        lambda w, t: "/admin/users/activation-codes",
        lambda w: "/admin/users/activation-codes",
        lambda w: {"who": "chosen", "usernames": fresh_user(w).username, "how": "pdf"},
        stores=False,
    ),
    "account.password": Form(None, lambda w, t: "/account/password", lambda w: "/account/password", stores=False),
    "account.logout_everywhere": Form(None, lambda w, t: "/account/tokens", lambda w: "/account/logout-everywhere"),
    "account.revoke": Form("worker", lambda w, t: "/account/tokens", lambda w: "/account/tokens/1/revoke"),
    "account.new_token": Form(None, lambda w, t: "/account/tokens", lambda w: "/account/tokens/new"),
    "account.second_factor_setup": Form(
        None, lambda w, t: "/account/second-factor", lambda w: "/account/second-factor/setup"
    ),
    "account.second_factor_confirm": Form(
        "enrolling", lambda w, t: "/account/second-factor", lambda w: "/account/second-factor/confirm", stores=False
    ),
    "account.second_factor_disable": Form(
        "enrolled", lambda w, t: "/account/second-factor", lambda w: "/account/second-factor/disable", stores=False
    ),
    "auth.second_factor": Form(
        "password_passed", lambda w, t: "/login/second-factor", lambda w: "/login/second-factor", stores=False
    ),
    "proposals.new": Form("author", lambda w, t: "/proposals/new", lambda w: "/proposals/new", draft_fields),
    "proposals.edit": Form(
        "author",
        lambda w, t: t,
        lambda w: f"/proposals/{w.supply.for_event('submit')}/edit",
        draft_fields,
    ),
    "messages.write": Form(
        "author", lambda w, t: proposal_page(w, t), lambda w: f"/proposals/{w.supply.for_event('progress')}/messages"
    ),
    # files with a reply (the lead, before it goes out): the form's one field is the file input
    "attachments.add_to_reply": Form(
        "lead",
        lambda w, t: proposal_page(w, t),
        lambda w: f"/proposals/{w.supply.for_event('reply')}/reply-files",
        stores=False,
    ),
    "attachments.remove": Form(
        "author",
        lambda w, t: "/proposals/" + t.split("/")[2],
        lambda w: "/proposals/{}/attachments/{}/remove".format(*draft_with_attachment(w)),
    ),
    "review.index": Form(
        "committee",
        lambda w, t: "/review",
        lambda w: "/review",
        lambda w: {"ids": str(w.supply.for_event("accept")), "decision": "accept"},
    ),
    "review.assign": Form(
        "committee",
        lambda w, t: "/review/assign",
        lambda w: "/review/assign",
        lambda w: {"ids": str(w.supply.for_event("assign")), "lead_department_id": str(w.cast.lead_dept.id)},
    ),
    "notifications.open_": Form(
        "author", lambda w, t: "/notifications", lambda w: f"/notifications/{author_notification(w)}/open"
    ),
    "notifications.read": Form(
        "author", lambda w, t: "/notifications", lambda w: f"/notifications/{author_notification(w)}/read"
    ),
    "notifications.read_all": Form("author", lambda w, t: "/notifications", lambda w: "/notifications/read-all"),
    "notifications.settings": Form(
        "author", lambda w, t: "/notifications/settings", lambda w: "/notifications/settings", stores=False
    ),
    "votes.vote": Form("delegate1", lambda w, t: "/votes/", lambda w: f"/votes/{w.supply.for_event('archive')}"),
    "votes.withdraw": Form(
        "delegate1", lambda w, t: "/votes/", lambda w: f"/votes/{w.supply.for_event('archive')}/withdraw"
    ),
    "votes.publish": Form(
        "committee", lambda w, t: "/votes/results", lambda w: f"/votes/results/{w.cast.session.id}/publish"
    ),
    "imports.upload": Form("admin", lambda w, t: "/imports/", lambda w: "/imports/roster", stores=False),
    "imports.slips_pdf": Form(
        "admin", lambda w, t: "/imports/", lambda w: f"/imports/slips/{fresh_slips(w)}/pdf", stores=False
    ),
    "imports.slips_page": Form(
        "admin", lambda w, t: "/imports/", lambda w: f"/imports/slips/{fresh_slips(w)}/show", stores=False
    ),
    "admin.calendar_page": Form(
        "admin",
        lambda w, t: "/admin/calendar",
        lambda w: "/admin/calendar",
        lambda w: {"day": f"2031-{(next(_n) % 12) + 1:02d}-{(next(_n) % 28) + 1:02d}", "working": "y"},
    ),
    # a year far off: loading it moves no deadline of the battery's proposals
    "admin.load_calendar_year": Form(
        "admin",
        lambda w, t: "/admin/calendar?year=2091",
        lambda w: "/admin/calendar/2091/load",
        lambda w: {"holidays": "2091-01-01", "workdays": ""},
        stores=False,
    ),
    "admin.remove_override": Form(
        "admin", lambda w, t: "/admin/calendar", lambda w: f"/admin/calendar/{fresh_override(w)}/remove"
    ),
    "admin.new_session": Form(
        "admin",
        lambda w, t: "/admin/sessions/new",
        lambda w: "/admin/sessions/new",
        lambda w: {"code": f"HS{next(_n)}", "name": f"会议{next(_n)}"},
    ),
    "admin.edit_session_page": Form(
        "admin", lambda w, t: t, lambda w: f"/admin/sessions/{w.spare_session()}", lambda w: {"name": "会议"}
    ),
    "admin.units": Form(
        "admin",
        lambda w, t: t,
        lambda w: "/admin/units/department",
        lambda w: {"code": f"HU{next(_n)}", "name": f"部门{next(_n)}"},
    ),
    "admin.edit_unit": Form("admin", lambda w, t: t, lambda w: f"/admin/units/{fresh_unit(w)}/edit"),
    "admin.deactivate": Form(
        "admin", lambda w, t: "/admin/units/department", lambda w: f"/admin/units/{fresh_unit(w)}/deactivate"
    ),
    "admin.reactivate": Form(
        "admin",
        lambda w, t: "/admin/units/department",
        lambda w: f"/admin/units/{fresh_unit(w, active=False)}/reactivate",
    ),
    "admin.new_user": Form(
        "admin",
        lambda w, t: "/admin/users/new",
        lambda w: "/admin/users/new",
        lambda w: {"username": f"hu{next(_n)}", "name": "某人", "password": "Secret-123x!", "roles": "worker"},
        fields={"password"},
    ),
    "admin.edit_user": Form("admin", lambda w, t: t, lambda w: f"/admin/users/{fresh_user(w).id}"),
    "admin.set_password": Form(
        "admin", lambda w, t: t.rsplit("/", 1)[0], lambda w: f"/admin/users/{fresh_user(w).id}/password"
    ),
    "admin.disable": Form("admin", lambda w, t: "/admin/users", lambda w: f"/admin/users/{fresh_user(w).id}/disable"),
    "admin.enable": Form("admin", lambda w, t: "/admin/users", lambda w: f"/admin/users/{fresh_user(w).id}/enable"),
    "account.notification_settings": Form(
        None, lambda w, t: "/account/notifications", lambda w: "/account/notifications", stores=False
    ),
    "admin.save_channel_defaults": Form(
        "admin", lambda w, t: "/admin/channels", lambda w: "/admin/channels/defaults", stores=False
    ),
    "admin.add_group_robot": Form(
        "admin",
        lambda w, t: "/admin/channels",
        lambda w: "/admin/channels/robots",
        lambda w: {"webhook": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"},
        stores=False,
    ),
    "admin.remove_group_robot": Form(
        "admin", lambda w, t: "/admin/channels", lambda w: f"/admin/channels/robots/{fresh_robot(w)}/remove"
    ),
    "admin.retry_delivery": Form(
        "admin", lambda w, t: "/admin/outbox", lambda w: f"/admin/outbox/deliveries/{parked_delivery(w)}/retry"
    ),
    "admin.retry_message": Form(
        "admin", lambda w, t: "/admin/outbox", lambda w: f"/admin/outbox/{parked_message(w)}/retry"
    ),
    "admin.categories": Form(
        "admin",
        lambda w, t: t,
        lambda w: "/admin/categories",
        lambda w: {"code": f"HC{next(_n)}", "name": f"类别{next(_n)}"},
    ),
    "admin.edit_category": Form("admin", lambda w, t: t, lambda w: f"/admin/categories/{fresh_category(w)}/edit"),
    "admin.retire_category": Form(
        "admin", lambda w, t: "/admin/categories", lambda w: f"/admin/categories/{fresh_category(w)}/retire"
    ),
    "admin.restore_category": Form(
        "admin", lambda w, t: "/admin/categories", lambda w: f"/admin/categories/{retired_category(w)}/restore"
    ),
    "admin.union": Form("admin", lambda w, t: t, lambda w: "/admin/union", lambda w: {"name": "某某公司工会"}),
    "admin.dashboard_thresholds_form": Form(
        "admin", lambda w, t: "/admin/union", lambda w: "/admin/union/dashboard-thresholds", stores=False
    ),
}
EVENTS = sorted(EVENT_SETUP)


class Pages:
    def __init__(self, world, supply):
        self.world = world
        self.supply = supply
        world.supply = supply
        world.spare_session = self.spare_session
        self._session_id = None

    def spare_session(self) -> int:
        if self._session_id is None:
            self._session_id = self.world.make.new_session().id
            db.session.commit()
        return self._session_id

    def client(self, who):
        if who == "anonymous":
            return self.world.app.test_client()
        if who is None:  # a user of its own, logged in now
            client = self.world.app.test_client()
            user = fresh_user(self.world)
            db.session.commit()
            response = client.post("/login", data={"username": user.username, "password": PASSWORD})
            assert response.status_code == 302
            return client
        if who in SECOND_FACTOR_STAGES:
            return second_factor_client(self.world, who)
        return self.world.client(who)


# users of their own at a stage of the second factor: setting it up on the account page, logged in
# with it, or between the password and the code at login
SECOND_FACTOR_STAGES = ("enrolling", "enrolled", "password_passed")


def second_factor_client(world, stage: str):
    import pyotp

    from proposals.auth import totp

    client = world.app.test_client()
    user = fresh_user(world)
    db.session.commit()
    if stage != "enrolling":
        factor = totp.begin(user)
        totp.confirm(user, pyotp.TOTP(factor.secret).now())
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    if stage == "enrolling":
        assert client.post("/account/second-factor/setup").status_code == 302
    elif stage == "enrolled":  # the next step's code: this one was used up by the set-up
        code = pyotp.TOTP(factor.secret).at(time.time(), counter_offset=1)
        assert client.post("/login/second-factor", data={"code": code}).status_code == 302
    return client


@pytest.fixture(scope="module")
def pages(world, supply):
    return Pages(world, supply)


def form_fields(page: str, action: str) -> dict[str, tuple[str | None, list]]:
    """The named inputs of the form posting to `action`: name -> (input type, suggested values)."""
    tree = lxml_html.fromstring(page)
    found: dict[str, tuple[str | None, list]] = {}
    for form in tree.xpath("//form"):
        if (form.get("action") or "").split("?")[0] != action or (form.get("method") or "get").lower() != "post":
            continue
        for element in form.xpath(".//input | .//textarea | .//select"):
            name = element.get("name")
            if not name or name == "csrf_token":
                continue
            kind = element.get("type") if element.tag == "input" else element.tag
            values = found.get(name, (kind, []))[1]
            if element.tag == "select":
                options = element.xpath(".//option[@selected]") or element.xpath(".//option[@value!='']")
                values += [o.get("value") for o in options[:1]]
            elif kind in ("radio", "checkbox"):
                if element.get("checked") is not None or (kind == "radio" and not values):
                    values.append(element.get("value", "y"))
            elif kind not in ("submit", "button", "file"):
                values.append(element.text or "" if element.tag == "textarea" else element.get("value", ""))
            found[name] = (kind, values)
    return found


def prepare(pages: Pages, spec: Form, path_override: str | None = None):
    """(client, target url, its form's fields, valid form data)"""
    world = pages.world
    target = path_override or spec.target(world)
    client = pages.client(spec.who)
    host = spec.host(world, target)
    page = client.get(host).get_data(as_text=True)
    fields = form_fields(page, target)
    data = {name: values for name, (_kind, values) in fields.items() if values}
    data.update({k: [v] for k, v in spec.fill(world).items()})
    return client, target, fields, data


def hostile_values(kind: str | None) -> dict[str, str]:
    if kind in TEXT_INPUTS:
        return {**TEXTS, "huge": NUMBER_TEXTS["huge"]}
    numbers = {k: NUMBER_TEXTS[k] for k in ("huge", "two_to_seventy", "minus_one", "nan")}
    return {**CHOICE_TEXTS, **numbers, "date": "2026-02-30"}


def targets():
    return [(name, None) for name in FORMS if name != "proposals.fire"] + [("proposals.fire", e) for e in EVENTS]


def spec_of(endpoint: str, event: str | None) -> Form:
    if event is None:
        return FORMS[endpoint]
    fill = EVENT_FILL.get(event, lambda world: {})
    who = EVENT_SETUP[event][0]
    return Form(who, lambda w, t: proposal_page(w, t), event_target(event), fill)


def test_every_form_is_covered(world):
    for rule in world.app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.endpoint == "proposals.fire":
            continue
        if rule.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            assert rule.endpoint in FORMS, f"{rule.rule} ({rule.endpoint}) is not in the hostile battery"


@pytest.mark.parametrize(("endpoint", "event"), targets(), ids=[f"{e}:{v}" if v else e for e, v in targets()])
def test_hostile_fields(endpoint, event, pages, probe):
    """Each field of the form, one hostile value at a time, the other fields as the page suggests."""
    spec = spec_of(endpoint, event)
    _client, _target, fields, _data = prepare(pages, spec)
    kinds = {name: kind for name, (kind, _values) in fields.items()}
    kinds.update({name: "text" for name in spec.fields})
    if event is not None:
        assert fields or not any(EVENT_FILL.get(event, lambda w: {})(pages.world)), f"no form for {event}"
    for name, kind in kinds.items():
        if kind in ("submit", "button", "file"):
            continue
        for label, value in hostile_values(kind).items():
            with probe.subtests.test(field=name, value=label):
                client, target, _fields, data = prepare(pages, spec)
                stores = spec.stores and kind in TEXT_INPUTS and kind != "password" and label not in ("huge",)
                response = probe.send(
                    client, "POST", target, data={**data, name: value}, stored=(value,) if stores else ()
                )
                if kind in TEXT_INPUTS and label in (NOT_TEXT if kind == "textarea" else NOT_ONE_LINE):
                    assert 400 <= response.status_code < 500, (name, label, response.status_code)


@pytest.mark.parametrize(("endpoint", "event"), targets(), ids=[f"{e}:{v}" if v else e for e, v in targets()])
def test_hostile_bodies(endpoint, event, pages, probe):
    """Unknown fields, missing fields, and bodies of the wrong type or encoding."""
    spec = spec_of(endpoint, event)

    def send(label, **kwargs):
        with probe.subtests.test(body=label):
            client, target, _fields, data = prepare(pages, spec)
            kwargs = kwargs.pop("make")(data) if "make" in kwargs else kwargs
            return probe.send(client, "POST", target, **kwargs)

    send("unknown field", make=lambda data: {"data": {**data, "is_admin": "1", "<script>": TEXTS["script"]}})
    send("nothing", make=lambda data: {"data": {}})
    send("JSON", make=lambda data: {"data": json.dumps(data), "content_type": "application/json"})
    send(
        "JSON of other types",
        make=lambda data: {"data": json.dumps({k: {"a": [1]} for k in data}), "content_type": "application/json"},
    )
    send("text/plain", make=lambda data: {"data": urlencode(data, doseq=True), "content_type": "text/plain"})
    response = send(
        "invalid UTF-8",
        make=lambda data: {
            "data": urlencode(data, doseq=True).encode() + b"&title=%FF%FE&x=\xff\xfe",
            "content_type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status_code == 400, response.status_code  # refused, never read as U+FFFD
    send(
        "broken multipart",
        make=lambda data: {"data": b"--x\r\nbroken", "content_type": "multipart/form-data; boundary=x"},
    )
    send(
        "file instead of text",
        make=lambda data: {
            "data": {**data, **{k: (io.BytesIO(b"x"), "../../etc/passwd") for k in list(data)[:3]}},
            "content_type": "multipart/form-data",
        },
    )
    send("megabyte field name", make=lambda data: {"data": {**data, "x" * MEGABYTE: "1"}})


def test_ids_out_of_range(world, pages, probe):
    """An id no integer column holds names nothing: 404, never an overflow, on every page."""
    client = world.client("admin")
    for rule in world.app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or "<int:" not in rule.rule:
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            for raw in PATH_IDS:
                url = re.sub(r"<int:[^>]+>", raw, rule.rule)
                url = re.sub(r"<[^>]+>", "x", url)
                with probe.subtests.test(method=method, url=url):
                    response = probe.send(client, method, url)
                    assert response.status_code == 404, response.status_code


def test_anonymous_gets_nothing_done(world, pages, probe):
    client = world.app.test_client()
    for rule in world.app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.endpoint == "static":
            continue
        url = re.sub(r"<int:[^>]+>", "1", rule.rule)
        url = re.sub(r"<[^>]+>", "department", url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            with probe.subtests.test(method=method, url=url):
                data = {"username": TEXTS["sql_or"], "password": TEXTS["sql_drop"]}
                probe.send(client, method, url, data=data if method == "POST" else None, may_change=False)


HOSTILE_NAMES = {
    "traversal": "../../etc/passwd.pdf",
    "windows": "C:\\x\\..\\boot.pdf",
    "folder": "a/b.pdf",
    "nul": "a\x00b.pdf",
    "long": "长" * 300 + ".pdf",
    "script": "<script>alert(1)</script>.pdf",
    "control": "\x1b[31m\u202efdp.exe",
    "empty_stem": ".pdf",
}
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_hostile_file_names(world, pages, probe):
    """Uploads under path-like, over-long and control-character names are kept under a safe name."""
    from proposals.models import Attachment

    client = world.client("author")
    for label, name in HOSTILE_NAMES.items():
        with probe.subtests.test(name=label):
            data = {"session_id": str(world.cast.session.id), **draft_fields(world)}
            data["attachments"] = (io.BytesIO(PDF), name)
            before = db.session.scalar(select(Attachment.id).order_by(Attachment.id.desc()).limit(1)) or 0
            response = probe.send(client, "POST", "/proposals/new", data=data, content_type="multipart/form-data")
            if response.status_code == 302:
                stored = db.session.scalars(select(Attachment).where(Attachment.id > before)).all()
                assert len(stored) == 1
                kept = stored[0]
                assert not set(kept.filename) & set("/\\\x00\x1b\u202e"), kept.filename
                assert len(kept.filename) <= 200 and not kept.filename.startswith(".")
                assert re.fullmatch(r"[0-9a-f]{32}", kept.stored_name), kept.stored_name
    from proposals.models import MessageAttachment

    in_dialogue = f"/proposals/{world.supply.for_event('progress')}/messages"
    for label, name in HOSTILE_NAMES.items():
        with probe.subtests.test(message_file=label):
            before = db.session.scalar(select(MessageAttachment.id).order_by(MessageAttachment.id.desc()).limit(1))
            data = {"text": "附件见下。", "attachments": (io.BytesIO(PDF), name)}
            response = probe.send(client, "POST", in_dialogue, data=data, content_type="multipart/form-data")
            if response.status_code == 302:
                stored = db.session.scalars(select(MessageAttachment).where(MessageAttachment.id > (before or 0))).all()
                assert len(stored) == 1
                kept = stored[0]
                assert not set(kept.filename) & set("/\\\x00\x1b\u202e"), kept.filename
                assert len(kept.filename) <= 200 and not kept.filename.startswith(".")
                assert re.fullmatch(r"[0-9a-f]{32}", kept.stored_name), kept.stored_name
    for label, name in {"traversal": "../../etc/passwd.csv", "nul": "a\x00.xlsx", "long": "x" * 300}.items():
        with probe.subtests.test(import_name=label):
            data = {"roster-file": (io.BytesIO(b"\xff\xfe<script>alert(1)</script>\x00"), name)}
            probe.send(world.client("admin"), "POST", "/imports/roster", data=data, content_type="multipart/form-data")


def test_too_large(world, probe):
    """A body beyond MAX_CONTENT_LENGTH is refused unread, with the limits in the reader's language."""
    body = {"title": "x" * (4 * MEGABYTE)}
    with probe.subtests.test(where="page"):
        response = probe.send(world.client("author"), "POST", "/proposals/new", data=body)
        assert response.status_code == 413
    with probe.subtests.test(where="api"):
        response = probe.send(world.app.test_client(), "POST", "/api/v1/auth/token", json=body)
        assert response.status_code == 413


# -- query strings ---------------------------------------------------------------------------------

LIST_ARGS = ("after", "before", "session", "department", "delegation", "category", "state", "sort", "q", "task")
AUDIT_ARGS = ("after", "actor", "action", "start", "end", "target", "target_id", "session", "number")
# every page that reads its query string: who looks at it, and the arguments it reads beyond those of
# its own GET forms (read from the page as it renders, like the POST forms above)
QUERY_PAGES = {
    "/": ("author", ()),
    "/login": ("anonymous", ("next", "lang")),
    "/proposals/": ("committee", LIST_ARGS),
    "/review": ("committee", LIST_ARGS),
    "/review/assign": ("committee", LIST_ARGS),
    "/public": ("worker", LIST_ARGS),
    "/votes/": ("delegate1", ("session",)),
    "/votes/results": ("committee", ("session",)),
    "/notifications": ("author", ("page",)),
    "/proposals/{review}": ("committee", ("merge_q",)),
    "/proposals/similar": ("author", ("title",)),
    "/dashboard/": ("committee", ("session", "union")),
    "/dashboard/unions": ("committee", ("union", "rank")),
    "/reports/group/compilation": ("committee", ("year", "edition")),
    "/reports/group/compilation.pdf": ("committee", ("year", "edition")),
    "/reports/": ("committee", LIST_ARGS),
    "/reports/ledger.csv": ("committee", ("q", "session", "state")),
    "/reports/ledger.xlsx": ("committee", ("q", "session")),
    "/admin/users": ("admin", ("after", "before", "q", "role", "status")),
    "/admin/audit": ("admin", AUDIT_ARGS),
    "/admin/audit.csv": ("admin", ("actor", "after", "target_id")),
    "/admin/audit.xlsx": ("admin", ("actor", "number")),
    "/admin/calendar": ("admin", ("year",)),
}
# the numbers and texts each argument gets: every argument is read as text on one line, or as a number
QUERY_VALUES = {
    **{k: v for k, v in TEXTS.items() if k not in ("emoji", "rare_cjk", "bidi")},
    **{k: NUMBER_TEXTS[k] for k in ("huge", "beyond_int64", "twenty_digits", "two_to_seventy", "minus_one", "nan")},
    "cursor_huge_id": f"2026-01-01T00:00:00+00:00|audit|{2**70}",
}


def query_args(page: str, extra: tuple[str, ...]) -> list[str]:
    """The arguments of the page's GET forms, and those it reads beyond them."""
    if not page.strip():
        return list(extra)
    tree = lxml_html.fromstring(page)
    names = [
        element.get("name")
        for form in tree.xpath("//form[not(@method) or translate(@method, 'GET', 'get') = 'get']")
        for element in form.xpath(".//input | .//select | .//textarea")
        if element.get("name")
    ]
    return list(dict.fromkeys([*names, *extra]))


def test_every_query_page_is_covered(world):
    """A page taking GET requests either reads no query argument or is in QUERY_PAGES."""
    reads_nothing = {
        "/account/password", "/account/tokens", "/admin/", "/admin/sessions", "/admin/sessions/new",
        "/activate", "/admin/users/activation-codes",
        "/admin/units", "/admin/users/new", "/home", "/imports/", "/logout", "/me/data.zip",
        "/notifications/settings", "/proposals/new", "/account/second-factor", "/login/second-factor",
        "/password/forgot", "/admin/categories", "/admin/outbox", "/admin/union",
        "/account/notifications", "/admin/channels", "/admin/union/dashboard-thresholds",
    }  # fmt: skip
    for rule in world.app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.endpoint == "static" or "GET" not in rule.methods or "<" in rule.rule:
            continue
        assert rule.rule in QUERY_PAGES or rule.rule in reads_nothing, f"{rule.rule} is not in the query battery"


@pytest.mark.parametrize("path", list(QUERY_PAGES))
def test_hostile_query_strings(path, pages, probe):
    """Each argument of each page, one hostile value at a time: never a 5xx, a refusal says why in the
    reader's language, nothing changes; text no single line may hold is refused (400)."""
    who, extra = QUERY_PAGES[path]
    world = pages.world
    if path == "/proposals/{review}":
        path = f"/proposals/{world.supply.for_event('merge')}"
    client = pages.client(who)
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    page = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
    for name in query_args(page, extra):
        for label, value in QUERY_VALUES.items():
            if path.endswith((".csv", ".xlsx")) and label == "megabyte":
                continue
            with probe.subtests.test(arg=name, value=label):
                response = probe.send(client, "GET", path, query_string={name: value})
                if label in NOT_ONE_LINE:
                    assert response.status_code == 400, (name, label, response.status_code)
