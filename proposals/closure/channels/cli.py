"""`flask --app proposals channels send` (tick does it too) and `flask --app proposals channels test`."""

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ...extensions import db
from ...models import GroupRobot, User
from ...operations import clock
from ..cli import NOW_OPTION
from .http import ChannelError
from .messengers import APPS, Message, send_to_group
from .outbox import ChannelReport, send_pending
from .preferences import configured, identities_of
from .sms import SmsConfig, provider

channels_cli = AppGroup("channels", help="SMS, 企业微信, 钉钉 and 飞书: send the waiting messages, or a test message.")


def init_app(app) -> None:
    app.cli.add_command(channels_cli)


def echo_reports(reports: list[ChannelReport], *, quiet: bool = False) -> None:
    """A line per channel; `quiet`: only the channels that had something to do (tick)."""
    for r in reports:
        if quiet and not (r.sent or r.retry or r.failed or r.skipped or r.abandoned or r.waiting or r.stopped):
            continue
        line = f"{r.channel}: sent {r.sent}, to retry {r.retry}, failed {r.failed}, skipped {r.skipped}"
        line += f", waiting {r.waiting}"
        if r.abandoned:
            line += f"; {r.abandoned} left half-sent by a stopped sender, put back to be sent again"
        click.echo(line)
        if r.stopped:
            click.echo(f"  {r.channel} stopped for this run: {r.stopped}")
        for error in r.errors[:20]:
            click.echo(f"  {error}")


@channels_cli.command("send")
@NOW_OPTION
@click.option("--channel", "only", multiple=True, help="Only this channel (sms, wecom, …, wecom_robot, …).")
def send_command(now, only):
    """Send the messages waiting for SMS, the messengers and the group robots."""
    echo_reports(send_pending(now or clock.utcnow(), list(only) or None))


@channels_cli.command("test")
@click.option("--user", "username", help="The person to send to (their mobile number and messenger ids).")
@click.option("--mobile", help="A mobile number to send the test SMS to.")
@click.option("--wecom", help="A 企业微信 userid.")
@click.option("--dingtalk", help="A 钉钉 userid.")
@click.option("--feishu", help="A 飞书 user_id.")
@click.option("--robots", is_flag=True, help="Also post to every department group robot.")
def test_command(username, mobile, wecom, dingtalk, feishu, robots):
    """Send one test message through each configured channel and say how each went."""
    addresses = {"sms": mobile, "wecom": wecom, "dingtalk": dingtalk, "feishu": feishu}
    if username:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise click.UsageError(f"No user {username!r}.")
        addresses["sms"] = addresses["sms"] or user.mobile
        for provider_name, subject in identities_of(user).items():
            addresses[provider_name] = addresses[provider_name] or subject
    base = (current_app.config.get("BASE_URL") or "http://localhost:5000/").rstrip("/") + "/"
    message = Message(title="职代会提案", text="这是一条测试消息：通知渠道已配置成功。", link=base)
    key = f"test-{clock.utcnow():%Y%m%d%H%M%S}"
    ready = [c for c in configured() if c != "email"]
    failures = 0
    if not ready and not robots:
        click.echo("No channel is configured (see the README: SMS_*, WECOM_*, DINGTALK_*, FEISHU_*).")
    for channel in ready:
        address = addresses.get(channel)
        if not address:
            click.echo(
                f"{channel}: not tried (no address: give --user or --{'mobile' if channel == 'sms' else channel})"
            )
            continue
        try:
            if channel == "sms":
                config = SmsConfig.from_app(current_app.config)
                provider(config).send(address, message.text, base, key)
            else:
                APPS[channel](current_app.config).send(address, message, key)
        except ChannelError as exc:
            failures += 1
            click.echo(f"{channel}: FAILED to {address}: {exc}")
        else:
            click.echo(f"{channel}: sent to {address}")
    if robots:
        for robot in db.session.scalars(select(GroupRobot).order_by(GroupRobot.id)):
            where = f"{robot.provider} robot of {robot.department.name}"
            try:
                send_to_group(robot.provider, robot.webhook, robot.secret, message)
            except ChannelError as exc:
                failures += 1
                click.echo(f"{where}: FAILED: {exc}")
            else:
                click.echo(f"{where}: sent")
    if failures:
        raise SystemExit(1)
