"""The table of session settings (proposals/settings.py) and what is made from it.

A test-only table adds one setting of each kind the later issues need (a choice, a bounded number, a
fraction, a yes/no, a list of outcome classes): each is one line, and appears in the form, its group,
the API schema, the validation and the database's CHECKs without anything else written for it.
"""

from dataclasses import fields as dataclass_fields

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.datastructures import MultiDict

from proposals import settings
from proposals.api.schemas import session_schema
from proposals.api.stats import payload_schema
from proposals.i18n import gettext
from proposals.models import CongressSession
from proposals.models.congress import DERIVED
from proposals.settings import SETTINGS, Setting, check_table, one_of, some_of
from proposals.web.admin.forms import session_form
from workflow import InvalidPayload, Settings
from workflow.errors import N_
from workflow.payload import Boolean, Integer, validate

EXTRA = (
    Setting(
        "example_proposers",
        one_of({"workers": N_("Workers"), "delegates": N_("Delegates")}),
        "workers",
        N_("Who may propose"),
        N_("Hint"),
        "rules",
    ),  # noqa: E501
    Setting("cosign_window_days", Integer(minimum=1, maximum=60), 10, N_("Days to co-sign"), N_("Hint"), "rules"),
    Setting("quorum", settings.Fraction(minimum=0.0, maximum=1.0), 0.5, N_("Quorum"), N_("Hint"), "rules"),
    Setting("publish_replies", Boolean(), False, N_("Publish replies"), N_("Hint"), "session"),
    Setting(
        "example_classes",
        some_of({"A": N_("A"), "B": N_("B"), "C": N_("C")}),
        ["A", "B", "C"],
        N_("Outcome classes"),
        N_("Hint"),
        "rules",
    ),  # noqa: E501
)
TABLE = SETTINGS + EXTRA
EXTRA_NAMES = [s.name for s in EXTRA]


def test_the_engine_reads_settings_of_the_table_with_the_same_defaults():
    table = {s.name: s.default for s in SETTINGS}
    for field in dataclass_fields(Settings):
        if field.name in DERIVED:  # derived from a setting and the day, not one itself
            continue
        name = {"session_open": "is_open"}.get(field.name, field.name)
        assert table[name] == field.default, field.name


def test_the_model_has_a_column_default_and_check_for_each_setting(app):
    columns = CongressSession.__table__.columns
    checks = {
        c.name: str(c.sqltext) for c in CongressSession.__table__.constraints if isinstance(c, sa.CheckConstraint)
    }
    for s in SETTINGS:
        default = columns[s.name].default
        if s.default is None:
            assert default is None
        elif callable(default.arg):  # a list: a copy for each new row
            assert default.arg(None) == s.default and default.arg(None) is not default.arg(None)
        else:
            assert default.arg == s.default
        assert columns[s.name].nullable == (s.default is None)
        if isinstance(s.field, Integer):
            assert (
                checks[f"ck_congress_sessions_{s.name}"]
                == f"{s.name} >= {s.field.minimum} AND {s.name} <= {s.field.maximum}"
            )  # noqa: E501


def test_a_table_is_checked_when_it_is_made():
    with pytest.raises(ValueError, match="quorum.*refused"):
        check_table([Setting("quorum", settings.Fraction(), 1.5, "Quorum", "Hint", "rules")])
    with pytest.raises(ValueError, match="unknown group"):
        check_table([Setting("x", Boolean(), False, "X", "Hint", "elsewhere")])
    with pytest.raises(ValueError, match="named twice"):
        check_table([*SETTINGS, SETTINGS[0]])
    check_table(TABLE)


@pytest.mark.parametrize(
    ("name", "good", "cleaned", "bad"),
    [
        ("example_proposers", "delegates", "delegates", "everyone"),
        ("cosign_window_days", 60, 60, 61),
        ("quorum", 1, 1.0, 1.01),
        ("quorum", 0.5, 0.5, "half"),
        ("publish_replies", True, True, "yes"),
        ("example_classes", ["C", "A"], ["A", "C"], ["A", "D"]),
        ("example_classes", ["B"], ["B"], ["B", "B"]),
    ],
)
def test_validation_of_an_extra_setting(name, good, cleaned, bad):
    spec = settings.fields(TABLE)
    assert validate(spec, {name: good}) == {name: cleaned}
    with pytest.raises(InvalidPayload) as refused:
        validate(spec, {name: bad})
    assert set(refused.value.fields) == {name}


def test_an_extra_setting_is_in_the_api_schema():
    properties = session_schema(TABLE)["properties"]
    assert properties["example_proposers"] == {
        "type": "string",
        "enum": ["workers", "delegates"],
        "description": "Hint",
    }
    assert properties["quorum"] == {"type": "number", "minimum": 0.0, "maximum": 1.0, "description": "Hint"}
    assert properties["cosign_window_days"]["maximum"] == 60
    assert properties["example_classes"]["items"]["enum"] == ["A", "B", "C"]
    assert properties["collection_start"]["type"] == ["string", "null"]  # a date may be unset
    assert set(EXTRA_NAMES) <= set(session_schema(TABLE)["required"])
    body = payload_schema(settings.fields(TABLE))["properties"]
    assert body["quorum"]["type"] == "number" and body["publish_replies"] == {"type": "boolean"}


def test_the_real_api_schema_and_answer_name_every_setting(app):
    from proposals.api.serializers import session_json
    from proposals.operations import create_session

    session = create_session({"code": "S1", "name": "第十届职代会第一次会议"})
    assert set(session_json(session)) == set(session_schema()["properties"])
    assert session_json(session)["min_cosigners"] == 2 and session_json(session)["vote_start"] is None


def test_an_extra_setting_is_in_the_form_in_its_group(app):
    form_class = session_form(TABLE)
    with app.test_request_context(), force_locale("en"):
        form = form_class(data=settings.defaults(TABLE))
        groups = {legend: [f.name for f in fields] for legend, _note, fields in form.groups()}
        assert groups["The session"][:3] == ["code", "name", "is_open"]
        assert groups["The session"][-1] == "publish_replies"
        assert {"example_proposers", "cosign_window_days", "quorum", "example_classes"} <= set(
            groups["Rules and deadlines"]
        )
        assert [f.name for f in form if f.name in EXTRA_NAMES] == EXTRA_NAMES  # every one shown, in table order
        assert form.quorum.flags.required and not form.publish_replies.flags.required
        html = "".join(str(form[name]) for name in EXTRA_NAMES)
        for text in ('value="delegates"', 'name="quorum"', 'value="0.5"', 'name="example_classes"', 'max="60"'):
            assert text in html


def test_a_form_with_an_extra_setting_gives_every_setting_to_the_operation(app):
    form_class = session_form(TABLE)
    typed = {
        "code": "S9",
        "name": "Session",
        "example_proposers": "delegates",
        "cosign_window_days": "7",
        "quorum": "0,75",
    }
    data = MultiDict({**typed, **{s.name: str(s.default) for s in SETTINGS if isinstance(s.field, Integer)}})
    data.add("example_classes", "A")
    data.add("example_classes", "C")
    with app.test_request_context(method="POST", data=data):
        payload = form_class().payload(with_code=True)
    assert payload["example_proposers"] == "delegates" and payload["cosign_window_days"] == 7
    assert payload["quorum"] == 0.75 and payload["example_classes"] == ["A", "C"]
    assert payload["publish_replies"] is False and payload["vote_start"] == ""
    clean = validate(settings.fields(TABLE), {k: v for k, v in payload.items() if k not in ("code", "name")})
    assert clean["quorum"] == 0.75 and "vote_start" not in clean


def test_the_database_keeps_an_extra_setting_within_its_bounds():
    class Base(DeclarativeBase):
        pass

    class Trial(settings.columns(TABLE), Base):
        __tablename__ = "trial_sessions"
        id: Mapped[int] = mapped_column(primary_key=True)

    engine = sa.create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with sa.orm.Session(engine) as db:
        db.add(Trial())
        db.commit()
        row = db.scalar(sa.select(Trial))
        assert (row.example_proposers, row.quorum, row.example_classes, row.is_open) == (
            "workers",
            0.5,
            ["A", "B", "C"],
            True,
        )
        for wrong in ({"quorum": 1.5}, {"example_proposers": "everyone"}, {"cosign_window_days": 0}):
            with pytest.raises(IntegrityError):
                db.execute(sa.update(Trial).values(**wrong))
            db.rollback()


def test_every_label_and_hint_of_the_table_is_translated(app):
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        for s in SETTINGS:
            assert gettext(s.label) != s.label and gettext(s.hint) != s.hint, s.name
