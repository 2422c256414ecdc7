"""The catalogs: every message in the code has a Chinese translation, the catalogs compile, pages speak
Chinese by default and English on request, and the engine's messages come out translated.

When a test here fails because of a new message, update the catalog (see translations/README.md):
    pybabel extract -F babel.cfg -k N_ -k _l -k lazy_gettext -o translations/messages.pot .
    pybabel update -i translations/messages.pot -d translations
then translate the new entries in translations/zh_Hans_CN/LC_MESSAGES/messages.po.
"""

import io
import shutil
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from proposals.extensions import db
from proposals.i18n import (
    ROLE_LABELS,
    TRANSLATIONS,
    catalog_parts,
    compile_translations,
    merged_catalog,
    role_label,
    translate,
    translate_error,
)
from workflow import LIFECYCLE, ROLES, Actor, Facts, InvalidPayload, PermissionDenied, Settings, StateConflict

from .conftest import PASSWORD
from .helpers import request_context  # noqa: F401  (where it was)

ROOT = Path(__file__).resolve().parent.parent
CATALOG = TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
EXTRA_KEYWORDS = ("N_", "_l", "lazy_gettext")  # the -k options of `pybabel extract`


def read_catalog():
    return merged_catalog(CATALOG)  # messages.po with each area's parts


def extracted_messages() -> dict[tuple[str, str | None], str]:
    """What `pybabel extract` finds in the code now: (msgid, context) -> where."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f, filename="babel.cfg")
    keywords = {**DEFAULT_KEYWORDS, **dict.fromkeys(EXTRA_KEYWORDS)}
    found = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault((msgid, context), f"{filename}:{lineno}")
    return found


# -- the catalog --------------------------------------------------------------------------------


def test_extraction_finds_the_messages_of_every_layer():
    found = {msgid for msgid, _context in extracted_messages()}
    assert "Co-signing" in found  # workflow/, marked with N_()
    assert "Only a draft can be edited." in found  # proposals/operations/
    assert "Please enter your user name." in found  # a form label, lazy_gettext as _l
    assert "Skip to main content" in found  # templates/
    assert ("Proposals", "product name") in extracted_messages()  # pgettext in the layout


def test_every_message_in_the_code_has_a_chinese_translation():
    catalog = read_catalog()
    problems = []
    for (msgid, context), where in sorted(extracted_messages().items(), key=lambda item: item[1]):
        entry = catalog.get(msgid, context=context)
        if entry is None:
            problems.append(f"{where}: {msgid!r} is not in the catalog")
        elif entry.fuzzy:
            problems.append(f"{where}: {msgid!r} is fuzzy (check the translation, then drop the flag)")
        elif not (entry.string[0] if isinstance(entry.string, tuple) else entry.string).strip():
            problems.append(f"{where}: {msgid!r} has no translation")
    assert not problems, "untranslated messages (see this module's docstring):\n" + "\n".join(problems)


def test_translations_keep_the_placeholders_of_their_msgids():
    errors = [(message.id, [str(e) for e in errs]) for message, errs in read_catalog().check()]
    assert errors == []


def test_the_catalog_compiles(tmp_path):
    catalog = read_catalog()
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    translations = Translations(buffer)
    assert translations.gettext("Co-signing") == "征集附议"
    assert translations.pgettext("product name", "Proposals") == "提案管理系统"

    copy = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, copy, ignore=shutil.ignore_patterns("*.mo"))
    written = compile_translations(copy)
    assert [p.relative_to(copy).as_posix() for p in written] == ["zh_Hans_CN/LC_MESSAGES/messages.mo"]
    assert compile_translations(copy) == []  # up to date: nothing to do


def test_each_msgid_is_translated_in_one_place_only():
    """One source for each Chinese text: a msgid (with its context) stands in messages.po or in one part."""
    where: dict[tuple, list[str]] = {}
    for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/*.po")):
        for source in (po, *catalog_parts(po)):
            with source.open("rb") as f:
                for message in read_po(f):
                    if message.id:
                        msgid = message.id if isinstance(message.id, str) else message.id[0]
                        key = (po.parent.parent.name, msgid, message.context)
                        where.setdefault(key, []).append(source.relative_to(TRANSLATIONS).as_posix())
    twice = {key: files for key, files in where.items() if len(files) > 1}
    assert not twice, "msgids defined more than once (keep the better wording in one file):\n" + "\n".join(
        f"  {msgid!r}{f' [{context}]' if context else ''}: {', '.join(files)}"
        for (_locale, msgid, context), files in sorted(twice.items(), key=str)
    )


@pytest.mark.parametrize(
    ("msgid", "chinese"),
    [
        ("Co-signing", "征集附议"),
        ("Under review", "审查中"),
        ("Awaiting review", "待审查"),
        ("Accepted", "已立案"),
        ("Assigned", "已交办"),
        ("In progress", "办理中"),
        ("Replied", "已答复"),
        ("Closed", "已办结"),
        ("Co-sign", "附议"),
        ("Accept", "立案"),
        ("Reject", "不予立案"),
        ("Convert to suggestion", "转为意见建议"),
        ("Merge", "并案"),
        ("Send back for revision", "退回修改"),
        ("Assign", "交办"),
        ("Acknowledge", "签收"),
        ("Ask to return", "申请退回"),
        ("Reply", "答复"),
        ("Countersign", "会签"),
        ("Rate the reply", "满意度评价"),
        ("Urge", "催办"),
        ("Extend deadline", "延期"),
        ("Archive", "归档"),
        ("Withdraw", "撤回"),
    ],
)
def test_domain_terms_are_the_ones_unions_use(msgid, chinese):
    assert read_catalog().get(msgid).string == chinese


# -- roles --------------------------------------------------------------------------------------


def test_every_role_has_a_label():
    assert set(ROLE_LABELS) == set(ROLES)


@pytest.mark.parametrize(
    ("role", "chinese"),
    [
        ("worker", "职工"),
        ("delegate", "职工代表"),
        ("delegation_head", "代表团团长"),
        ("committee", "提案工作委员会委员"),
        ("department_handler", "承办部门联络人"),
        ("supervisor", "督办"),
        ("union_admin", "工会管理员"),
        ("leader", "领导"),
    ],
)
def test_role_labels(app, role, chinese):
    with request_context(app, "/"):
        assert role_label(role) == chinese
    with request_context(app, "/?lang=en"):
        assert role_label(role) == ROLE_LABELS[role]


# -- the language of pages ----------------------------------------------------------------------


def test_pages_are_in_chinese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-Hans-CN">' in page
    assert "<title>登录 - 提案管理系统</title>" in page
    assert "用户名" in page and "User name" not in page
    assert 'href="/login?lang=en"' in page


def test_lang_en_switches_to_english_and_is_remembered(client):
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "<title>Log in - Proposals</title>" in page
    assert 'href="/login?lang=zh"' in page

    page = client.get("/login").get_data(as_text=True)  # no ?lang: the choice is remembered
    assert '<html lang="en">' in page and "User name" in page

    page = client.get("/login?lang=zh").get_data(as_text=True)
    assert '<html lang="zh-Hans-CN">' in page and "用户名" in page
    assert "用户名" in client.get("/login").get_data(as_text=True)


def test_the_switch_keeps_the_rest_of_the_address(client):
    page = client.get("/login?next=%2Fproposals%2F3").get_data(as_text=True)
    assert 'href="/login?next=%2Fproposals%2F3&amp;lang=en"' in page


def test_pages_stay_chinese_for_an_english_browser_until_english_is_chosen(client, make):
    english_browser = {"Accept-Language": "en-US,en;q=0.9"}
    assert '<html lang="zh-Hans-CN">' in client.get("/login", headers=english_browser).get_data(as_text=True)
    assert client.get("/api/v1/me", headers=english_browser).get_json()["error"].startswith("Sign in")
    user = make.user("worker", username="alice")
    user.locale = "en"
    db.session.commit()
    client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


# -- the engine's messages ----------------------------------------------------------------------


def test_message_tuples_translate(app):
    with request_context(app, "/"):
        assert translate(("At most %(max)d characters.", {"max": 200})) == "不能超过 200 个字符。"
        assert translate("This field is required.") == "此项为必填项。"
    with request_context(app, "/?lang=en"):
        assert translate(("At most %(max)d characters.", {"max": 200})) == "At most 200 characters."


def _refusal(event: str, facts: Facts, actor: Actor):
    with pytest.raises((PermissionDenied, StateConflict, InvalidPayload)) as info:
        LIFECYCLE.decide(event, facts, actor, Settings(), None)
    return info.value


def test_refusals_name_states_and_events_by_their_labels(app):
    in_review = Facts(state="review", author_id=1)
    worker = Actor(id=2, roles=frozenset({"worker"}))
    committee = Actor(id=3, roles=frozenset({"committee"}))
    denied = _refusal("accept", in_review, worker)
    conflict = _refusal("assign", in_review, committee)
    invalid = _refusal("reject", in_review, committee)
    with request_context(app, "/"):
        assert translate_error(denied) == "您无权对此提案执行“立案”操作。"
        assert translate_error(conflict) == "此提案当前状态为“审查中”，现在不能执行“交办”操作。"
        assert translate_error(invalid) == "请修改标出的内容。"
        assert {k: translate(v) for k, v in invalid.fields.items()} == {"reason": "此项为必填项。"}
    with request_context(app, "/?lang=en"):
        assert translate_error(denied) == "You may not “Accept” this proposal."
        assert translate_error(conflict) == "The proposal is “Under review”: “Assign” is not possible now."


def test_requirement_refusals_translate(app):
    cosigned = Facts(state="cosigning", author_id=1, cosigner_ids=frozenset({2}))
    conflict = _refusal("cosign", cosigned, Actor(id=2, roles=frozenset({"delegate"})))
    with request_context(app, "/"):
        assert translate_error(conflict) == "您已附议过此提案。"


def test_lang_is_remembered_even_when_the_page_only_redirects(client):
    assert client.get("/?lang=en").status_code == 302  # anonymous: sent to the login page
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)
