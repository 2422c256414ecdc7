"""`flask --app proposals backup DIR` and `flask --app proposals restore DIR [--force]`."""

from pathlib import Path

import click
from flask import Flask

from .backup import BackupError, backup
from .restore import restore


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


@click.command("backup")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def backup_command(folder: Path):
    """Write a consistent backup of the database and the attachments into a new FOLDER."""
    try:
        summary = backup(folder)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Backed up {summary.rows} rows of {summary.tables} tables and {summary.files} attachments to {summary.path}."
    )


@click.command("restore")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Delete every row of a database that is not empty first.")
def restore_command(folder: Path, force: bool):
    """Restore the backup in FOLDER into an empty database at the backup's schema revision."""
    try:
        restored = restore(folder, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored {restored.rows} rows of {restored.tables} tables and {restored.files} attachments.")
