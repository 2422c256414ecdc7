"""Issue 16's wording: one name per state everywhere, Chinese punctuation in the Chinese catalog, what
happened said in words after an event, the audit log's details as sentences, natural labels."""

import csv
import io
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from openpyxl import load_workbook

from proposals.extensions import db
from proposals.i18n import TRANSLATIONS
from proposals.labels import state_label
from proposals.models import Proposal
from proposals.operations import fire_event
from proposals.operations.notify import AUDIENCES
from proposals.operations.register import REGISTER, Entry, check
from workflow import LIFECYCLE, DefinitionError

from .helpers import login, request_context, token_for

ROOT = Path(__file__).resolve().parent.parent
# the one name of each state (issue 16), and the second names the stamps used to give
NAMES = {
    "draft": "草稿",
    "cosigning": "征集附议",
    "delegation_review": "代表团初审",
    "review": "审查中",
    "accepted": "已立案",
    "rejected": "不予立案",
    "merged": "已并案",
    "withdrawn": "已撤回",
    "assigned": "已交办",
    "in_progress": "办理中",
    "replied": "已答复",
    "closed": "已办结",
    "archived": "已归档",
}
RETIRED = ("待附议", "待代表团初审")


# -- one name per state ----------------------------------------------------------------------------


def test_every_state_has_exactly_one_name(app):
    assert set(NAMES) == set(LIFECYCLE.states)
    for state, spec in LIFECYCLE.states.items():
        assert [key for key in spec if key in ("label", "stamp", "name", "title")] == ["label"], state
    with request_context(app, "/"):
        assert {state: state_label(state) for state in LIFECYCLE.states} == NAMES
    assert len(set(NAMES.values())) == len(NAMES)


def test_no_template_names_a_state_but_through_its_label():
    """Templates name states through state_label only: no second helper, no Chinese name written out."""
    for template in sorted((ROOT / "templates").rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        assert "state_stamp" not in text, template
        for name in (*NAMES.values(), *RETIRED):
            assert name not in text, f"{template}: {name}"


def test_no_message_is_a_second_name_of_a_state():
    for po in sorted(TRANSLATIONS.glob("zh_Hans_CN/**/*.po")):
        with po.open("rb") as f:
            for message in read_po(f):
                assert message.string not in RETIRED, (po.name, message.id)


@pytest.mark.parametrize("state", ["cosigning", "review", "in_progress", "replied"])
def test_the_stamp_and_the_list_say_the_same_name(client, cast, state):
    proposal = cast.proposal_in(state)
    login(client, cast.author)
    page = client.get(f"/proposals/{proposal.id}").text
    assert f'role="status">{NAMES[state]}</span>' in page
    login(client, cast.committee)
    listed = client.get("/proposals/", query_string={"state": state}).text
    assert f'<span class="state state-{state}">{NAMES[state]}</span>' in listed


# -- Chinese punctuation ------------------------------------------------------------------------------

CJK = "[\u3400-\u9fff\u3000-\u303f\uff00-\uffef“”]"
ASCII_BESIDE_CJK = re.compile(rf"{CJK}\s*[():;,]|[():;,]\s*{CJK}")


def test_chinese_messages_use_chinese_punctuation():
    """No ASCII ( ) : ; , beside Chinese characters in a Chinese msgstr: （）：；，."""
    found = []
    for po in sorted(TRANSLATIONS.glob("zh_Hans_CN/**/*.po")):
        with po.open("rb") as f:
            for message in read_po(f):
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                for text in strings:
                    if text and ASCII_BESIDE_CJK.search(text):
                        found.append(f"{po.name}: {message.id!r} -> {text!r}")
    assert not found, "\n".join(found)


def test_the_punctuation_check_can_fail():
    assert ASCII_BESIDE_CJK.search("办理结果: 满意") and ASCII_BESIDE_CJK.search("附议 (2 人)")
    assert not ASCII_BESIDE_CJK.search("办理结果：满意（2 人）") and not ASCII_BESIDE_CJK.search("A: solved, or not")


# -- what happened, in words ----------------------------------------------------------------------


def flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [text for _kind, text in session.pop("_flashes", [])]


def test_accepting_says_the_number_it_gave(client, cast):
    proposal = cast.proposal_in("review")
    login(client, cast.committee)
    response = client.post(f"/proposals/{proposal.id}/events/accept", data={})
    assert response.status_code == 302
    db.session.expire_all()
    number = db.session.get(Proposal, proposal.id).number
    assert number
    assert flashes(client) == [f"已立案，案号第 {number} 号。"]


def test_co_signing_and_assigning_say_what_happened(client, cast):
    proposal = cast.proposal_in("cosigning")
    login(client, cast.delegate1)
    client.post(f"/proposals/{proposal.id}/events/cosign", data={})
    assert flashes(client) == ["已附议。"]
    accepted = cast.proposal_in("accepted", title="另一件提案")
    login(client, cast.committee)
    response = client.post(
        f"/proposals/{accepted.id}/events/assign", data={"assign-lead_department_id": str(cast.lead_dept.id)}
    )
    assert response.status_code == 302
    assert flashes(client)[-1] == f"已交办给{cast.lead_dept.name}。"


def test_extending_says_by_how_much(client, cast):
    proposal = cast.proposal_in("in_progress")
    login(client, cast.supervisor)
    client.post(f"/proposals/{proposal.id}/events/extend", data={"extend-days": "10", "extend-reason": "需协调"})
    assert flashes(client) == ["办理期限已延长 10 个工作日。"]


def test_every_event_a_person_fires_says_what_happened():
    for name, event in LIFECYCLE.events.items():
        assert event.is_system or REGISTER[name].done, name
    broken = {**REGISTER, "cosign": Entry(REGISTER["cosign"].sentence, REGISTER["cosign"].handler)}
    with pytest.raises(DefinitionError, match="'cosign' is fired by people but says nothing"):
        check(broken, LIFECYCLE, AUDIENCES)


# -- natural labels --------------------------------------------------------------------------------


def test_countersignatures_and_ratings_read_as_words(client, cast):
    in_progress = cast.proposal_in("in_progress")
    login(client, cast.committee)
    page = client.get(f"/proposals/{in_progress.id}").text
    assert "未会签" in page
    closed = cast.proposal_in("closed", title="已办结的提案")
    page = client.get(f"/proposals/{closed.id}").text
    assert "已会签" in page and "办理结果：满意" in page
    assert ">yes<" not in page and "True" not in page


# -- the audit log's details --------------------------------------------------------------------------


def test_audit_details_are_sentences_on_the_page_and_in_the_exports(client, cast):
    extended = cast.proposal_in("in_progress")
    fire_event(extended.id, "extend", cast.supervisor, {"days": 10, "reason": "需跨部门协调"})
    target = cast.proposal_in("accepted", title="并案目标")
    merged = cast.make.proposal(author=cast.author, session=cast.session, title="被并入的提案")
    for event, who, payload in [*cast.path("review"), ("merge", "committee", {"into_id": target.id})]:
        fire_event(merged.id, event, getattr(cast, who), payload)
    login(client, cast.admin)
    page = client.get("/admin/audit").text
    assert "延期 10 个工作日" in page and "理由：需跨部门协调" in page
    assert f"并入第 {target.number} 号提案" in page
    assert f"主办部门：{cast.lead_dept.name}" in page and f"协办部门：{cast.co_dept.name}" in page
    for raw in ("days:", "into_id", "lead_department_id", "reason:"):
        assert raw not in page
    text = client.get("/admin/audit.csv").data.decode("utf-8-sig")
    details = [row[-2] if len(row) > 1 else "" for row in csv.reader(io.StringIO(text))]
    assert any("延期 10 个工作日" in cell for cell in details) or "延期 10 个工作日" in text
    assert "days:" not in text and "into_id" not in text
    sheet = load_workbook(io.BytesIO(client.get("/admin/audit.xlsx").data)).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any(f"并入第 {target.number} 号提案" in c for c in cells)
    assert not any("into_id" in c for c in cells)


def test_administrative_details_are_sentences(app, cast, make):
    from proposals.reports.audit_details import describe_details

    with request_context(app, "/"):
        said = describe_details(
            {"must_change_password": True, "roles": ["worker", "delegate"], "department_id": cast.lead_dept.id},
            units={cast.lead_dept.id: cast.lead_dept.name},
            proposals={},
        )
        assert said == f"下次登录时须修改密码；角色：职工、职工代表；所在部门：{cast.lead_dept.name}"
        assert (
            describe_details({"collection_start": "2026-03-01"}, units={}, proposals={}) == "征集开始日期：2026年3月1日"
        )


# -- no technical jargon for ordinary users --------------------------------------------------------


def test_the_api_tokens_tab_is_for_those_who_use_the_api(client, make):
    worker, admin, program = make.user("worker"), make.user("union_admin"), make.user("committee")
    token_for(program)
    for user, shown in ((worker, False), (admin, True), (program, True)):
        login(client, user)
        page = client.get("/account/password").text
        assert ("我的访问令牌" in page) is shown, user.username
        assert ("/account/tokens" in page) is shown, user.username
    login(client, worker)
    assert client.get("/account/tokens").status_code == 200  # still there by its address, for a first token


def test_the_calendar_page_names_no_software_package(client, make):
    login(client, make.user("union_admin"))
    for year in range(2024, 2029):
        page = client.get(f"/admin/calendar?year={year}").text
        assert "chinese-calendar" not in page and "chinese_calendar" not in page and "软件包" not in page


def test_the_urge_notification_carries_the_supervisors_comment(client, cast):
    proposal = cast.proposal_in("in_progress")
    fire_event(proposal.id, "urge", cast.supervisor, {"comment": "请于本周内答复。"})
    login(client, cast.lead)
    page = client.get("/notifications").text
    assert "督办意见：请于本周内答复。" in page
