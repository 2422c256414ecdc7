from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..inputs import one_line
from .passwords import HINT


class LoginForm(FlaskForm):
    username = StringField(
        _l("User name"), validators=[DataRequired(_l("Please enter your user name.")), Length(max=80), one_line]
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Please enter your password.")), Length(max=200)]
    )
    remember = BooleanField(_l("Stay logged in on this device"))
    next = HiddenField()


class NewPasswordForm(FlaskForm):
    """A new password, typed twice: a reset link's and an activation's form (and, with the present one, a change's)."""

    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Please enter a new password.")), Length(max=200)],
        description=_l(HINT),
    )
    new_password_again = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(_l("Please enter the new password again.")),
            EqualTo("new_password", _l("The two new passwords differ.")),
        ],
    )


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Present password"), validators=[DataRequired(_l("Please enter your present password.")), Length(max=200)]
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Please enter a new password.")), Length(max=200)],
        description=_l(HINT),
    )
    new_password_again = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(_l("Please enter the new password again.")),
            EqualTo("new_password", _l("The two new passwords differ.")),
        ],
    )
