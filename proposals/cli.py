"""Command-line tools: `flask --app proposals create-user|seed-demo|workflow diagram|calendar load|worker`."""

import json

import click
from flask import Flask
from sqlalchemy import select

from workflow import LIFECYCLE, ROLES, InvalidPayload
from workflow.diagram import mermaid

from .auth import activation_cli
from .closure import cli as closure_cli
from .demo import seed_demo_command
from .extensions import db
from .i18n import translate
from .maintenance import cli as maintenance_cli
from .models import OrgUnit
from .operations import create_user, load_year
from .queue import init_app as queue_init_app
from .reports import cli as reports_cli
from .scale import generate_command


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(workflow_group)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(generate_command)
    app.cli.add_command(calendar_group)
    closure_cli.init_app(app)  # tick, send-mail
    reports_cli.init_app(app)  # import-roster, import-proposals, export-ledger
    maintenance_cli.init_app(app)  # backup, restore
    activation_cli.init_app(app)  # issue-activation-codes
    queue_init_app(app)  # worker


@click.command("create-user")
@click.argument("username")
@click.option("--name", required=True, help="Full name shown in the application.")
@click.option("--password", required=True, help="At least 8 characters of three kinds, not a common password.")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES), help="Repeat for several.")
@click.option("--department", help="Code of the user's department.")
@click.option("--delegation", help="Code of the user's delegation.")
@click.option("--email")
def create_user_command(username, name, password, roles, department, delegation, email):
    """Create a user, e.g. the first administrator."""
    data = {"username": username, "name": name, "password": password, "roles": list(roles), "email": email}
    for option, kind, code in (("department", "department", department), ("delegation", "delegation", delegation)):
        if code is None:
            continue
        unit_id = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code, OrgUnit.kind == kind))
        if unit_id is None:
            raise click.BadParameter(f"no {kind} with code {code!r}", param_hint=f"--{option}")
        data[f"{option}_id"] = unit_id
    try:
        user = create_user(data)
    except InvalidPayload as exc:
        problems = "; ".join(f"{field}: {translate(msg)}" for field, msg in exc.fields.items())
        raise click.ClickException(problems) from None
    click.echo(f"created user {user.username} ({', '.join(sorted(user.roles))})")


@click.group("workflow")
def workflow_group():
    """The proposal lifecycle."""


@workflow_group.command("diagram")
def diagram_command():
    """Print the lifecycle as a Mermaid state diagram."""
    click.echo(mermaid(LIFECYCLE), nl=False)


@click.group("calendar")
def calendar_group():
    """The working-day calendar."""


@calendar_group.command("load")
@click.argument("file", type=click.File("rb"))
@click.option("--year", type=int, help="The year; else the file's `year`, else the year of its first date.")
def load_calendar_command(file, year):
    """Load a year's official holiday arrangement from FILE (the JSON body of PUT /api/v1/calendar/{year})."""
    try:
        body = json.loads(file.read())
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise click.ClickException("the file must hold a JSON object")
    # the GET body of /api/v1/calendar/{year} is taken too: its year and whether it was official
    named, _ = body.pop("year", None), body.pop("official", None)
    year = year or named or _first_year(body)
    if not isinstance(year, int):
        raise click.ClickException("which year? Give --year")
    try:
        loaded = load_year(year, body)
    except InvalidPayload as exc:
        problems = "; ".join(f"{field}: {translate(msg)}" for field, msg in exc.fields.items())
        raise click.ClickException(problems) from None
    spans, weekends = len(loaded["holidays"]), len(loaded["workdays"])
    click.echo(f"loaded {loaded['year']}: {spans} spans of holidays, {weekends} working weekend days")


def _first_year(body: dict) -> int | None:
    """The year of the first date in the body."""
    spans = body.get("holidays") if isinstance(body.get("holidays"), list) else []
    days = body.get("workdays") if isinstance(body.get("workdays"), list) else []
    for value in [*(s[0] for s in spans if isinstance(s, list) and s), *days]:
        if isinstance(value, str) and value[:4].isdigit():
            return int(value[:4])
    return None
