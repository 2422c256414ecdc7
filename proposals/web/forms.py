"""The proposal form (提案表)."""

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from sqlalchemy import or_, select
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..models import Category, CongressSession, OrgUnit, User, UserRole


class ProposalForm(FlaskForm):
    session_id = SelectField(_l("Congress session"), coerce=int)
    title = StringField(_l("Subject"), render_kw={"maxlength": 200, "required": True, "autocomplete": "off"})
    reason = TextAreaField(_l("Reasons"), render_kw={"rows": 6, "required": True, "maxlength": 20000})
    measures = TextAreaField(_l("Proposed measures"), render_kw={"rows": 6, "required": True, "maxlength": 20000})
    category = SelectField(_l("Category"))
    desired_department_id = SelectField(_l("Desired handling department (advisory)"), coerce=int)
    confidential = BooleanField(_l("Keep my name confidential from departments and public pages"))
    # -- the procedure (issue 14): a delegation's proposal, made by its head; delegates invited to co-sign
    delegation_proposal = BooleanField(
        _l("A proposal of my delegation (代表团提案)"),
        description=_l("As its head, you submit it on behalf of the delegation; its delegates co-sign it."),
    )
    invitees = SelectMultipleField(
        _l("Invite delegates to co-sign"),
        coerce=int,
        description=_l(
            "They are told when you submit and see it first in their tasks; any other delegate may still co-sign."
            " None chosen: your delegation's delegates are invited (nobody, if your name is confidential)."
        ),
    )
    # -- attachments (checked by content in proposals/operations/attachments.py) --
    attachments = MultipleFileField(_l("Attachments"), render_kw={"accept": ".pdf,.docx,.xlsx,.jpg,.jpeg,.png"})
    save = SubmitField(_l("Save draft"))
    submit_now = SubmitField(_l("Save and submit"))

    def __init__(self, *args, keep_category_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.session_id.choices = [
            SelectChoice(s.id, s.name)
            for s in db.session.scalars(
                select(CongressSession).where(CongressSession.is_open).order_by(CongressSession.id.desc())
            )
        ]
        # a retired category is not offered, but a draft that has it keeps it
        offered = or_(Category.retired.is_(False), Category.id == keep_category_id)
        self.category.choices = [SelectChoice("", _l("Please choose"))] + [  # a choice to make, not a default
            SelectChoice(c.code, c.name)
            for c in db.session.scalars(select(Category).where(offered).order_by(Category.position, Category.id))
        ]
        self.desired_department_id.choices = [SelectChoice(0, "—")] + [
            SelectChoice(u.id, u.name)
            for u in db.session.scalars(
                select(OrgUnit).where(OrgUnit.kind == "department", OrgUnit.active).order_by(OrgUnit.name)
            )
        ]
        me = getattr(current_user, "id", None)
        delegates = (
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == "delegate", User.active, User.id != me)
            .order_by(User.delegation_id, User.name, User.id)
        )
        self.invitees.choices = [SelectChoice(u.id, u.name) for u in db.session.scalars(delegates)]
        for name in ("session_id", "title", "reason", "measures", "category"):
            self[name].flags.required = True

    def payload(self, *, with_session: bool = True) -> dict:
        data = {
            "title": self.title.data or "",
            "reason": self.reason.data or "",
            "measures": self.measures.data or "",
            "category": self.category.data or "",
            "confidential": bool(self.confidential.data),
            "desired_department_id": self.desired_department_id.data or None,
            "invitees": list(self.invitees.data or []),
        }
        if self.is_head():
            data["delegation_proposal"] = bool(self.delegation_proposal.data)
        if with_session:
            data["session_id"] = self.session_id.data
        return data

    @staticmethod
    def is_head() -> bool:
        """Whether the writer heads a delegation, so may make a delegation proposal (the box is theirs)."""
        return bool(current_user.has_role("delegation_head") and current_user.delegation_id)

    def uploads(self) -> list:  # attachments
        """The files chosen in the attachments input (an empty input sends one nameless part)."""
        return [f for f in self.attachments.data or [] if f and f.filename]
