"""Command-line imports and exports: `flask --app proposals import-roster|import-proposals|export-ledger`.

An import checks the whole file first (with a progress bar), prints every problem with its row and
column and exits with status 1 without changing anything; or writes everything in one transaction.
"""

import sys
from pathlib import Path

import click
from flask import Flask
from flask_babel import gettext
from sqlalchemy import select

from ..access import OVERSIGHT_ROLES
from ..extensions import db
from ..i18n import state_label, translate
from ..models import CongressSession, User
from ..queries import Filters
from . import imports, ledger, proposal_import, roster_import, sign_in
from .columns import label
from .figures import figures
from .tables import ImportRefused


def init_app(app: Flask) -> None:
    app.cli.add_command(import_roster_command)
    app.cli.add_command(import_proposals_command)
    app.cli.add_command(export_ledger_command)


def describe(problem) -> str:
    """One problem as a line: where, then what."""
    where = []
    if problem.row is not None:
        where.append(gettext("row %(row)d", row=problem.row))
    if problem.column:
        where.append(f"{label(problem.column)} ({problem.column})")
    text = translate(problem.message)
    return f"{', '.join(where)}: {text}" if where else text


def _run(module, path: str, check_only: bool, run):
    data = Path(path).read_bytes()
    try:
        table = module.read(Path(path).name, data)
        total = len(table.rows)
        steps = total if check_only else 2 * total
        with click.progressbar(length=steps, label=gettext("Checking and importing"), file=sys.stderr) as bar:
            return run(table, dry_run=check_only, progress=bar.update)
    except ImportRefused as refused:
        for problem in refused.problems:
            click.echo(describe(problem), err=True)
        raise click.ClickException(gettext("Nothing was imported: %(n)d problems.", n=len(refused.problems))) from None


@click.command("import-roster")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--check", "check_only", is_flag=True, help="Only check the file; change nothing.")
@click.option(
    "--slips",
    "slips_file",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the activation codes of the new users to this PDF, one slip per person, instead of printing them.",
)
@click.option("--address", default="", help="The address people activate at, printed on the slips.")
@click.option(
    "--no-codes", "no_codes", is_flag=True, help="Issue no activation codes (people sign in through the directory)."
)
def import_roster_command(file, check_only, slips_file, address, no_codes):
    """Create or update users, departments and delegations from an .xlsx or .csv roster."""

    def run(table, **options):
        return roster_import.import_roster(table, codes=not no_codes, **options)

    result = _run(roster_import, file, check_only, run)
    if check_only:
        click.echo(gettext("The file is fine; nothing was changed."))
        return
    click.echo(
        gettext(
            "Users: %(created)d created, %(updated)d updated. Units: %(units)d created, %(renamed)d renamed.",
            created=result.users_created,
            updated=result.users_updated,
            units=result.units_created,
            renamed=result.units_renamed,
        )
    )
    if result.codes and slips_file:
        slips = imports.slips_of(result.codes)
        Path(slips_file).write_bytes(sign_in.activation_pdf(slips, address, result.codes_expire_at))
        click.echo(gettext("%(n)d activation slips written to %(file)s.", n=len(slips), file=slips_file))
    elif result.codes:
        click.echo(gettext("Activation codes (shown only this once):"))
        for username, code in result.codes:
            click.echo(f"{username}\t{code}")
    elif result.awaiting_activation:
        click.echo(
            gettext(
                "%(n)d new users have no password: they sign in through the company directory or a sign-in "
                "provider, or activate their accounts with codes (flask --app proposals issue-activation-codes).",
                n=result.awaiting_activation,
            )
        )


@click.command("import-proposals")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--check", "check_only", is_flag=True, help="Only check the file; change nothing.")
def import_proposals_command(file, check_only):
    """Create proposals collected on paper, on behalf of their authors, from an .xlsx or .csv file."""
    result = _run(proposal_import, file, check_only, proposal_import.import_proposals)
    if check_only:
        click.echo(gettext("The file is fine; nothing was changed."))
        return
    landed = ", ".join(f"{state_label(state)} {n}" for state, n in result.states.items())
    click.echo(gettext("%(n)d proposals imported (%(states)s).", n=len(result.created), states=landed or "—"))


@click.command("export-ledger")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option("--as", "username", required=True, help="Export what this user may see (an oversight role).")
@click.option("--session", "session_code", help="Code of the session; all sessions if left out.")
def export_ledger_command(file, username, session_code):
    """Write the ledger to FILE (.xlsx or .csv by its extension)."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.has_role(*OVERSIGHT_ROLES):
        raise click.BadParameter(gettext("Name a user with an oversight role."), param_hint="--as")
    filters = Filters()
    if session_code:
        session_id = db.session.scalar(select(CongressSession.id).where(CongressSession.code == session_code))
        if session_id is None:
            raise click.BadParameter(gettext("No such session."), param_hint="--session")
        filters = Filters(session_id=session_id)
    records = ledger.rows(user, filters)
    if file.lower().endswith(".csv"):
        body = ledger.to_csv(records)
    else:
        body = ledger.to_xlsx(records, gettext("Ledger"), figures(filters.session_id, user))
    Path(file).write_bytes(body)
    click.echo(gettext("%(n)d proposals written to %(file)s.", n=len(records), file=file))
