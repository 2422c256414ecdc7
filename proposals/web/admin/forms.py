"""The administration forms. They only parse what was typed: the operations validate it, and their
field errors are put back next to the fields (proposals.web.event_forms.put_errors)."""

from flask import flash, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from wtforms import (
    BooleanField,
    Field,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from workflow import ROLES
from workflow.payload import Boolean, Integer

from ... import settings, unions
from ...auth.passwords import HINT as PASSWORD_HINT
from ...extensions import db
from ...i18n import ROLE_LABELS, translate_error
from ...models import OrgUnit
from ...settings import Date, Fraction, OneOf, OutcomeClasses, Setting, SomeOf
from ..event_forms import MultiCheckbox, put_errors
from . import scope

NONE = 0  # the "—" choice of an optional unit


def raw(field: Field):
    """What the user put in a field, for the operation to check: the converted value, the text typed
    when it could not be converted (the operation says what is wrong with it), None when empty."""
    if field.data is None and field.raw_data and field.raw_data[0].strip():
        return field.raw_data[0]
    if field.data == NONE and isinstance(field, SelectField):
        return None
    return field.data if field.data != "" else None


def unit_choices(kind: str, keep: int | None = None) -> list[SelectChoice]:
    """The active units of a kind to choose from, of the unions the administrator administers (and the unit
    already chosen, even if deactivated)."""
    rows = db.session.execute(
        select(OrgUnit.id, OrgUnit.name, OrgUnit.active)
        .where(OrgUnit.kind == kind, or_(OrgUnit.active, OrgUnit.id == keep))
        .where(or_(scope.units_where(OrgUnit.id), OrgUnit.id == keep))
        .order_by(OrgUnit.code)
    )
    shown = [SelectChoice(i, name if active else f"{name} ({gettext('deactivated')})") for i, name, active in rows]
    return [SelectChoice(NONE, "—"), *shown]


def date_field(label: str, hint: str) -> StringField:
    # a text field of type date: a phone shows its date picker, and a wrong date comes back as typed
    return StringField(label, description=hint, render_kw={"type": "date", "placeholder": "2026-03-01"})


def number_field(label: str, hint: str, minimum: int, maximum: int) -> IntegerField:
    return IntegerField(
        label, description=hint, render_kw={"min": minimum, "max": maximum, "inputmode": "numeric", "required": True}
    )


def fraction_field(label: str, hint: str, minimum: float, maximum: float) -> StringField:
    # text, not a float field: a wrong number comes back as typed, and the operation says what is wrong
    return StringField(
        label, description=hint, render_kw={"inputmode": "decimal", "placeholder": str(maximum / 2), "required": True}
    )


class OutcomeClassesField(TextAreaField):
    """The session's reply classes, one per line as "code | label | requirements" (settings.OutcomeClasses
    says what is right; a line that cannot be read goes to it as typed, to be refused with a reason)."""

    def _value(self) -> str:
        if isinstance(self.data, str):
            return self.data
        lines = []
        for c in self.data or ():
            parts = [c.get("code", ""), gettext(c["label"]) if c.get("label") else ""]
            if c.get("requires"):
                parts.append(", ".join(c["requires"]))
            lines.append(" | ".join(parts))
        return "\n".join(lines)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        defaults = {c["code"]: c["label"] for c in settings.DEFAULT_OUTCOME_CLASSES}
        classes = []
        for line in valuelist[0].splitlines():
            if not line.strip():
                continue
            code, label, requires = ([p.strip() for p in line.split("|")] + ["", ""])[:3]
            if code in defaults and label == gettext(defaults[code]):
                label = defaults[code]  # the default's label stays a msgid, shown in each reader's language
            classes.append(
                {"code": code, "label": label, "requires": [r.strip() for r in requires.split(",") if r.strip()]}
            )
        self.data = classes


def setting_field(setting: Setting) -> Field:
    """The input of a setting, made from its kind."""
    f, label, hint = setting.field, _l(setting.label), _l(setting.hint)
    if isinstance(f, Boolean):
        return BooleanField(label, description=hint)
    if isinstance(f, Integer):
        return number_field(label, hint, f.minimum, f.maximum)
    if isinstance(f, Fraction):
        return fraction_field(label, hint, f.minimum, f.maximum)
    if isinstance(f, Date):
        return date_field(label, hint)
    if isinstance(f, OneOf):
        choices = [SelectChoice(c, _l(text)) for c, text in zip(f.choices, f.labels, strict=True)]
        return RadioField(label, description=hint, choices=choices, validate_choice=False)
    if isinstance(f, SomeOf):
        choices = [SelectChoice(c, _l(text)) for c, text in zip(f.choices, f.labels, strict=True)]
        return MultiCheckbox(label, description=hint, choices=choices, validate_choice=False)
    if isinstance(f, OutcomeClasses):
        return OutcomeClassesField(label, description=hint, render_kw={"rows": 4})
    raise TypeError(f"setting {setting.name}: no input for {type(f).__name__}")


class _SessionForm(FlaskForm):
    """A session's code and name, then an input per setting (session_form() adds them)."""

    table: tuple[Setting, ...] = ()

    code = StringField(
        _l("Code"),
        description=_l("A short code that names the session for good, e.g. 10-3. It cannot be changed later."),
        render_kw={"maxlength": 40, "required": True, "autocomplete": "off"},
    )
    union_id = SelectField(
        _l("Union"),
        coerce=int,
        description=_l(
            "Whose congress this is: the company union's or a grassroots union's. It cannot be changed later."
        ),
    )
    name = StringField(
        _l("Session name"),
        description=_l("As people know it, e.g. 第十届职代会第三次会议."),
        render_kw={"maxlength": 200, "required": True},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tree = unions.current()
        group = tree.ordered()
        if len(group) > 1:  # a single union (or none yet) has nothing to choose; each administrator, their own
            group = [u for u in group if tree.key(u.id) in scope.administered()]
            self.union_id.choices = [SelectChoice(u.id, u.name) for u in group]
        else:
            del self.union_id
        required = {"code", "name"} | {s.name for s in self.table if s.required_in_form}
        for field in self:
            field.flags.required = field.name in required

    def groups(self) -> list[tuple[str, str | None, list[Field]]]:
        """The fieldsets of the page: (legend, note, fields), the code and name first in the first."""
        shown = []
        for i, (_, legend, note, table) in enumerate(settings.by_group(self.table)):
            fields = [self[s.name] for s in table]
            if i == 0:
                first = (self._fields.get("code"), self._fields.get("union_id"), self.name)
                fields = [f for f in first if f is not None] + fields
            if fields:
                shown.append((_l(legend), _l(note) if note else None, fields))
        return shown

    def payload(self, *, with_code: bool) -> dict:
        data = {"name": raw(self.name)}
        for s in self.table:
            value = raw(self[s.name])
            if isinstance(s.field, Fraction) and isinstance(value, str):
                value = _number(value)
            data[s.name] = value
        for name in settings.dates(self.table):
            data[name] = data[name] or ""  # given empty: no date (editing clears it)
        if with_code:
            data["code"] = raw(self.code)
            if "union_id" in self:
                data["union_id"] = raw(self.union_id)
        return data


def _number(text: str):
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return text  # the operation says what is wrong with it


def session_form(table: tuple[Setting, ...] = settings.SETTINGS) -> type[FlaskForm]:
    """The session form for a table of settings."""
    return type("SessionForm", (_SessionForm,), {"table": table, **{s.name: setting_field(s) for s in table}})


SessionForm = session_form()


class UnitForm(FlaskForm):
    code = StringField(_l("Code"), render_kw={"maxlength": 40, "required": True, "autocomplete": "off"})
    name = StringField(_l("Unit name"), render_kw={"maxlength": 200, "required": True})
    parent_id = SelectField(_l("Belongs to"), coerce=int, choices=[SelectChoice(NONE, "—")])

    def payload(self, *, with_code: bool) -> dict:
        data = {"name": raw(self.name)}
        if self.parent_id is not None:  # (units of some kinds have no parent to choose)
            data["parent_id"] = raw(self.parent_id)
        if with_code:
            data["code"] = raw(self.code)
        return data


class UserEditForm(FlaskForm):
    name = StringField(_l("Full name"), render_kw={"maxlength": 100, "required": True})
    email = StringField(
        _l("E-mail"),
        description=_l("Where notifications are sent; may stay empty."),
        render_kw={"maxlength": 200, "type": "email", "autocomplete": "off"},
    )
    department_id = SelectField(_l("Department"), coerce=int, description=_l("For department liaisons."))
    delegation_id = SelectField(_l("Delegation"), coerce=int, description=_l("For delegates and workers."))
    roles = MultiCheckbox(_l("Roles"), choices=[SelectChoice(r, _l(ROLE_LABELS[r])) for r in ROLES])
    union_roles = MultiCheckbox(
        _l("Roles in grassroots unions"),
        description=_l("What the person does in a grassroots union's congress; the roles above are the company's."),
    )

    def __init__(self, *args, user=None, **kwargs):
        showing = user is not None and request.method == "GET"
        super().__init__(*args, obj=user if showing else None, **kwargs)
        self.department_id.choices = unit_choices("department", keep=user.department_id if user else None)
        self.delegation_id.choices = unit_choices("delegation", keep=user.delegation_id if user else None)
        mine = scope.administered()
        grassroots = [u for u in unions.current().ordered() if u.kind == "grassroots" and u.id in mine]
        # the roles held in unions the administrator does not administer stay as they are, unseen
        self.kept_roles = [(r, u) for r, u in user.scoped_roles if u not in mine] if user else []
        if grassroots:  # a single union has none to offer
            self.union_roles.choices = [
                SelectChoice(f"{r}:{u.id}", f"{u.name} · {gettext(ROLE_LABELS[r])}")
                for u in grassroots
                for r in unions.SCOPED_ROLES
            ]
        else:
            del self.union_roles
        if showing:
            self.roles.data = sorted(user.roles)
            if "union_roles" in self:
                self.union_roles.data = [f"{r}:{u}" for r, u in user.scoped_roles]
            self.department_id.data = user.department_id or NONE
            self.delegation_id.data = user.delegation_id or NONE
        for field in self:
            field.flags.required = field.name in ("username", "name", "password", "roles")

    def payload(self) -> dict:
        data = {name: raw(self[name]) for name in ("name", "email", "department_id", "delegation_id", "roles")}
        data["roles"] = data["roles"] or []
        if "union_roles" in self:
            for value in self.union_roles.data or ():
                role, _, union_id = value.partition(":")
                data["roles"].append({"role": role, "union_id": int(union_id) if union_id.isdigit() else union_id})
        data["roles"] += [{"role": role, "union_id": union_id} for role, union_id in self.kept_roles]
        return data


class UserForm(UserEditForm):
    username = StringField(
        _l("User name"),
        description=_l("For logging in, e.g. a staff number. It cannot be changed later."),
        render_kw={"maxlength": 80, "required": True, "autocomplete": "off"},
    )
    password = PasswordField(
        _l("Password"),
        description=_l(PASSWORD_HINT),
        render_kw={"maxlength": 200, "required": True, "autocomplete": "new-password"},
    )
    must_change_password = BooleanField(_l("Initial password: the user must change it at the first login"))

    def payload(self) -> dict:
        data = super().payload() | {"username": raw(self.username), "password": self.password.data or ""}
        data["must_change_password"] = bool(self.must_change_password.data)
        return {k: v for k, v in data.items() if v is not None}  # creating: nothing to clear


class PasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        description=_l(
            "Leave it empty to generate an initial password, shown to you once, which the user must change "
            "at the first login."
        ),
        render_kw={"maxlength": 200, "autocomplete": "new-password"},
    )
    must_change_password = BooleanField(_l("Initial password: the user must change it at the first login"))


class OverrideForm(FlaskForm):
    day = date_field(_l("Date"), _l("e.g. 2026-12-31"))
    working = RadioField(
        _l("This day is"),
        choices=[SelectChoice("off", _l("an extra day off")), SelectChoice("on", _l("an extra working day"))],
        default="off",
        validate_choice=False,
    )
    note = StringField(
        _l("Note"),
        description=_l("Why, e.g. 公司统一安排调休."),
        render_kw={"maxlength": 200},
    )

    def payload(self) -> dict:
        working = {"off": False, "on": True}.get(self.working.data, self.working.data)
        return {"day": raw(self.day) or "", "working": working, "note": raw(self.note)}


def show_errors(form: FlaskForm, exc) -> None:
    """Put an operation's field errors next to the fields, and say so at the top of the page."""
    put_errors(form, exc.fields)
    flash(translate_error(exc), "error")


class CategoryForm(FlaskForm):
    code = StringField(
        _l("Code"),
        description=_l("Short and unique, e.g. housing. It cannot be changed later."),
        render_kw={"maxlength": 40, "required": True, "autocomplete": "off"},
    )
    name = StringField(_l("Category name"), render_kw={"maxlength": 100, "required": True})
    position = IntegerField(
        _l("Position"),
        description=_l("Where the category stands in lists and forms: smaller numbers first."),
        render_kw={"min": 0, "max": 10000, "inputmode": "numeric"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.code.flags.required = self.name.flags.required = True

    def payload(self, *, with_code: bool) -> dict:
        data = {"name": raw(self.name)}
        if raw(self.position) is not None:
            data["position"] = raw(self.position)
        if with_code:
            data["code"] = raw(self.code)
        return data


class UnionForm(FlaskForm):
    name = StringField(
        _l("The union's name"),
        description=_l("As people know it, e.g. 某某公司工会. Shown in the header, at login, in mail and in print."),
        render_kw={"maxlength": 200, "required": True},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.name.flags.required = True
