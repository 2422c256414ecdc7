"""`flask --app proposals tick` and `flask --app proposals send-mail`, for cron, e.g. every five minutes:

*/5 * * * *  cd /srv/proposals && .venv/bin/flask --app proposals tick
"""

from datetime import UTC, datetime

import click
from flask import Flask

from ..operations import clock
from .outbox import SendReport, send_pending
from .tick import tick


def init_app(app: Flask) -> None:
    from .channels import cli as channels_cli  # (it imports NOW_OPTION from here)

    app.cli.add_command(tick_command)
    app.cli.add_command(send_mail_command)
    channels_cli.init_app(app)


class Moment(click.ParamType):
    """An ISO date-time; one without an offset is China time. Stored as naive UTC."""

    name = "ISO-DATETIME"

    def convert(self, value, param, ctx):
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date-time such as 2026-03-05T09:00 or 2026-03-05T01:00:00+00:00", param, ctx)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=clock.LOCAL)
        return moment.astimezone(UTC).replace(tzinfo=None)


NOW_OPTION = click.option(
    "--now",
    type=Moment(),
    default=None,
    help="Act as if it were this moment (China time unless an offset is given), to replay a day.",
)


@click.command("tick")
@NOW_OPTION
@click.option("--no-mail", is_flag=True, help="Do not send the waiting email (nor SMS and messages) this time.")
def tick_command(now, no_mail):
    """Close co-signing and unrated replies past their deadlines, send reminders and overdue notices,
    then send the waiting email. Safe to run every few minutes."""
    report = tick(now, mail=not no_mail)
    click.echo(f"tick at {report.now:%Y-%m-%d %H:%M} UTC (China date {report.today.isoformat()})")
    click.echo(f"co-signing closed: {report.cosigning_closed}")
    click.echo(f"closed without rating: {report.unrated_closed}")
    click.echo(f"reminders: {report.reminders}")
    click.echo(f"overdue notices: {report.overdue_notices}")
    purged = report.purged
    click.echo(
        f"purged: {purged.audit_entries} old audit entries, {purged.login_attempts} old login attempts, "
        f"{purged.login_sessions} old logins, {purged.api_tokens} dead API tokens, "
        f"{purged.reset_links} ended password links"
    )
    for proposal_id, event, why in report.refused:
        click.echo(f"left as it is: proposal {proposal_id}, {event}: {why}")
    if report.mail is not None:
        _echo_mail(report.mail)
    if report.channels is not None:
        from .channels.cli import echo_reports

        echo_reports(report.channels, quiet=True)


@click.command("send-mail")
@NOW_OPTION
def send_mail_command(now):
    """Send the email waiting in the outbox (tick does this too)."""
    _echo_mail(send_pending(now or clock.utcnow()))


def _echo_mail(report: SendReport) -> None:
    if report.disabled:
        click.echo(f"email: MAIL_SERVER is not set, so no email was sent ({report.waiting} waiting)")
        return
    click.echo(
        f"email: sent {report.sent}, to retry {report.retry}, failed {report.failed}, "
        f"skipped {report.skipped}, waiting {report.waiting}"
    )
    if report.failed:
        click.echo(f"email: {report.failed} could not be delivered; see Administration > Outbox to send them again")
    if report.abandoned:
        click.echo(f"email: {report.abandoned} left half-sent by a stopped sender, put back to be sent again")
    for error in report.errors:
        click.echo(f"email error: {error}", err=True)
