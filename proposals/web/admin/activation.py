"""Activation codes (激活码) for people without a password: issue them for chosen people or for everyone
awaiting activation, and print them as slips (a PDF, handed over in this answer only) or send them by
mail and the channels (proposals/auth/activation.py)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice

from workflow import InvalidPayload

from ...auth import activation
from ...downloads import send
from ...extensions import db
from ...i18n import translate_error
from ...models import User
from ...reports import sign_in
from ...reports.files import PDF, File
from ...reports.tables import names
from . import bp

SHOWN = 200  # people awaiting activation listed on the page


class CodesForm(FlaskForm):
    who = RadioField(
        _l("For whom"),
        choices=[SelectChoice("all", _l("Everyone awaiting activation")), SelectChoice("chosen", _l("These people"))],
        default="all",
    )
    usernames = TextAreaField(_l("User names"), description=_l("One per line, or separated by commas."))
    how = RadioField(
        _l("How"),
        choices=[
            SelectChoice("pdf", _l("Print activation slips (PDF)")),
            SelectChoice("send", _l("Send by mail, SMS or messenger")),
        ],
        default="pdf",
    )


def _page(form: CodesForm, status: int = 200):
    awaiting = list(db.session.scalars(select(User).where(activation.awaiting()).order_by(User.id).limit(SHOWN)))
    return (
        render_template(
            "admin/activation_codes.html",
            form=form,
            awaiting=awaiting,
            awaiting_count=activation.awaiting_count(),
            shown=SHOWN,
        ),
        status,
    )


def _payload(form: CodesForm) -> dict:
    """What the form asks for, as the API takes it: user names become ids (unknown ones are refused)."""
    if form.who.data != "chosen":
        return {"all_awaiting": True}
    wanted = names(form.usernames.data or "")[:100_000]
    found = {}
    for start in range(0, len(wanted), 5000):
        part = wanted[start : start + 5000]
        found |= dict(db.session.execute(select(User.username, User.id).where(User.username.in_(part))).all())
    unknown = [n for n in wanted if n not in found]
    if unknown:
        text = gettext("No such user names: %(names)s.", names="、".join(unknown[:20]))
        raise ValueError(text)
    return {"user_ids": [found[n] for n in wanted]}


@bp.route("/users/activation-codes", methods=["GET", "POST"])
def activation_codes():
    """Issue activation codes, and print or send them."""
    form = CodesForm()
    if request.method != "POST":
        return _page(form)
    if not form.validate():
        return _page(form, 422)
    try:
        data = _payload(form)
        data["send"] = form.how.data == "send"
        handed = activation.hand_out(data, actor=current_user, how="slips")
    except ValueError as exc:
        form.usernames.errors = [str(exc)]
        return _page(form, 422)
    except InvalidPayload as exc:
        form.usernames.errors = [translate_error(exc)]
        return _page(form, 422)
    if not handed.issued:
        flash(
            gettext("Nobody was given a code: nobody named can be reached this way, or nobody awaits activation."),
            "warning",
        )
        return redirect(url_for("admin.activation_codes"))
    if handed.sent is None:
        slips = [(one.name, one.username, one.code) for one in handed.issued]
        body = sign_in.activation_pdf(slips, request.url_root, handed.issued[0].expires_at)
        return send(File(body, PDF, f"{gettext('Activation slips')}.pdf", "activation-slips.pdf"), no_store=True)
    flash(
        gettext(
            "%(n)d activation codes are on their way (mail %(email)d, SMS %(sms)d, messengers %(messenger)d).",
            n=len(handed.issued),
            **handed.sent,
        ),
        "success",
    )
    if handed.unreachable:
        flash(
            gettext("%(n)d people can be reached no way: print their slips instead.", n=handed.unreachable),
            "warning",
        )
    return redirect(url_for("admin.activation_codes"))
