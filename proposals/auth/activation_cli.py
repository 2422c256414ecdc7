"""`flask --app proposals issue-activation-codes`: activation codes from the command line, printed to a PDF
of slips, sent, or listed once on the terminal (proposals/auth/activation.py)."""

from pathlib import Path

import click
from flask import Flask
from flask_babel import gettext
from sqlalchemy import select

from workflow import InvalidPayload

from ..extensions import db
from ..i18n import translate
from ..models import User
from ..reports import sign_in
from . import activation


def init_app(app: Flask) -> None:
    app.cli.add_command(issue_activation_codes_command)


@click.command("issue-activation-codes")
@click.argument("usernames", nargs=-1)
@click.option("--all-awaiting", is_flag=True, help="Everyone awaiting activation (no password, never signed in).")
@click.option("--send", "sending", is_flag=True, help="Send each code by mail, SMS or messenger where possible.")
@click.option("--slips", "slips_file", type=click.Path(dir_okay=False, writable=True), help="Write slips to this PDF.")
@click.option("--address", default="", help="The address people open, printed on the slips (default BASE_URL).")
def issue_activation_codes_command(usernames, all_awaiting, sending, slips_file, address):
    """Issue activation codes for USERNAMES, or for everyone awaiting activation."""
    if bool(usernames) == all_awaiting:
        raise click.UsageError("name the user names, or give --all-awaiting")
    data: dict = {"all_awaiting": True} if all_awaiting else {}
    if usernames:
        found = dict(db.session.execute(select(User.username, User.id).where(User.username.in_(usernames))).all())
        unknown = [u for u in usernames if u not in found]
        if unknown:
            raise click.BadParameter(", ".join(unknown), param_hint="USERNAMES")
        data["user_ids"] = [found[u] for u in usernames]
    data["send"] = sending
    try:
        handed = activation.hand_out(data, actor=None, how="cli")
    except InvalidPayload as exc:
        raise click.ClickException("; ".join(translate(m) for m in exc.fields.values())) from None
    click.echo(gettext("%(n)d activation codes issued.", n=len(handed.issued)))
    if handed.sent is not None:
        click.echo(
            gettext(
                "Queued: mail %(email)d, SMS %(sms)d, messengers %(messenger)d; %(unreachable)d could not be reached.",
                email=handed.sent["email"],
                sms=handed.sent["sms"],
                messenger=handed.sent["messenger"],
                unreachable=handed.unreachable,
            )
        )
        return
    base = address or _base_url()
    if slips_file:
        slips = [(one.name, one.username, one.code) for one in handed.issued]
        expires = handed.issued[0].expires_at if handed.issued else None
        Path(slips_file).write_bytes(sign_in.activation_pdf(slips, base, expires))
        click.echo(gettext("%(n)d activation slips written to %(file)s.", n=len(handed.issued), file=slips_file))
        return
    click.echo(gettext("Activation codes (shown only this once):"))
    for one in handed.issued:
        click.echo(f"{one.username}\t{one.code}\t{one.expires_at:%Y-%m-%d %H:%M} UTC")


def _base_url() -> str:
    from flask import current_app

    return current_app.config.get("BASE_URL") or "http://localhost:5000/"
