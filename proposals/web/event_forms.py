"""A form for each lifecycle event, generated from the event's payload fields in the engine and their
labels in the register (operations/register.py).

The page holds no rules: these forms only parse what was typed; the engine validates it and its
field errors are put back next to the fields.
"""

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.fields.choices import SelectChoice

from workflow import LIFECYCLE
from workflow.payload import Boolean, Choice, Code, Day, Integer, IntegerList, Text

from .. import unions
from ..extensions import db
from ..i18n import translate
from ..labels import CHOICE_LABELS, outcome_label
from ..models import OrgUnit
from ..operations.register import REGISTER

LONG_TEXT = 500  # longer texts get a text area


class MultiCheckbox(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _departments(session) -> list[SelectChoice]:
    """The active departments that may handle the session's proposals (unions.may_handle)."""
    rows = db.session.execute(
        select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind == "department", OrgUnit.active).order_by(OrgUnit.name)
    )
    return [
        SelectChoice(unit_id, name)
        for unit_id, name in rows
        if session is None or unions.may_handle(session, [unit_id])
    ]


def _id_or_none(value) -> int | None:
    """A chosen id; None for the "please choose" option (int() refuses anything else that is not a number)."""
    return None if value in ("", None) else int(value)


def _session_choices(spec: Code, session) -> list[SelectChoice]:
    """The choices of a field whose list is a setting of the proposal's session (its outcome classes)."""
    items = getattr(session, spec.setting, None) or ()
    return [SelectChoice(c["code"], outcome_label(c["code"], session)) for c in items]


YES_NO = [SelectChoice("true", lazy_gettext("Yes")), SelectChoice("false", lazy_gettext("No"))]


def event_form(event_name: str, formdata=None, prefix: str | None = None, session=None) -> FlaskForm:
    """The form for `event_name`: one input per payload field, required ones marked. With the proposal's
    `session`, the fields as its rules ask for them (the attitude of a rating only where it is rated) and
    the choices its settings hold (a reply's class)."""
    settings = session.settings() if session is not None else None
    event = LIFECYCLE.event(event_name)
    labels = REGISTER[event_name].labels  # one for each payload field (checked at import)
    payload = LIFECYCLE.payload_fields(event_name, settings) if settings is not None else event.payload

    class EventForm(FlaskForm):
        pass

    for name, spec in payload.items():
        label = lazy_gettext(labels[name])
        render_kw = {"required": True} if spec.required else {}
        if name in ("lead_department_id",):  # a choice to make: it starts at "please choose"
            choices = [SelectChoice("", lazy_gettext("Please choose")), *_departments(session)]
            field = SelectField(label, coerce=_id_or_none, choices=choices, render_kw=render_kw)
        elif isinstance(spec, IntegerList):
            field = MultiCheckbox(label, coerce=int, choices=_departments(session))
        elif isinstance(spec, Choice):
            choices = [SelectChoice(c, lazy_gettext(CHOICE_LABELS.get(c, c))) for c in spec.choices]
            field = RadioField(label, choices=choices, validate_choice=False, render_kw=render_kw)
        elif isinstance(spec, Code):
            field = RadioField(
                label, choices=_session_choices(spec, session), validate_choice=False, render_kw=render_kw
            )
        elif isinstance(spec, Boolean):
            field = RadioField(label, choices=YES_NO, validate_choice=False, default="true")
        elif isinstance(spec, Day):
            field = StringField(label, render_kw={**render_kw, "type": "date"})
        elif isinstance(spec, Integer):
            field = IntegerField(label, render_kw={**render_kw, "min": spec.minimum, "max": spec.maximum})
        elif isinstance(spec, Text) and spec.max_length > LONG_TEXT:
            field = TextAreaField(label, render_kw={**render_kw, "maxlength": spec.max_length, "rows": 4})
        else:
            field = StringField(label, render_kw={**render_kw, "maxlength": getattr(spec, "max_length", 200)})
        setattr(EventForm, name, field)
    form = EventForm(formdata=formdata, prefix=prefix or f"{event_name}-")
    for name, spec in payload.items():
        form[name].flags.required = spec.required
    return form


def payload_of(form: FlaskForm, event_name: str) -> dict:
    """What the user filled in, as the engine's payload (empty inputs left out)."""
    payload = {}
    for name in LIFECYCLE.event(event_name).payload:
        if name not in form:  # a field this session does not ask for
            continue
        field = form[name]
        value = field.data
        if isinstance(field, IntegerField) and field.raw_data and value is None:
            value = field.raw_data[0]  # not a number: let the engine say so next to the field
        if isinstance(LIFECYCLE.event(event_name).payload[name], Boolean) and value in ("true", "false"):
            value = value == "true"
        if value in (None, "", []):
            continue
        payload[name] = value
    return payload


def put_errors(form: FlaskForm, fields: dict) -> None:
    """Show the engine's field errors next to the fields."""
    for name, message in fields.items():
        target = form[name] if name in form else None
        if target is not None:
            target.errors = [*(target.errors or []), translate(message)]
        else:
            form.form_errors.append(translate(message))
