"""`flask --app proposals directory sync [--dry-run] [--quiet]`, for the union's staff and for cron.

Exit codes: 0 done (or nothing to change), 1 the directory could not be read or its answer was refused
(nothing changed), 2 a usage error (click's). Output is short: what changed, or one line saying nothing did;
with --quiet only warnings and errors, so that cron mails only when there is something to read.
"""

import sys

import click

from ..extensions import db
from . import enabled
from .client import DirectoryUnavailable
from .sync import Report, SyncRefused, run


@click.group("directory")
def directory_group():
    """The company directory (LDAP / Active Directory)."""


@directory_group.command("sync")
@click.option("--dry-run", is_flag=True, help="Show what would change, and change nothing.")
@click.option("--quiet", "-q", is_flag=True, help="Print only warnings and errors (for cron).")
def sync_command(dry_run: bool, quiet: bool):
    """Import and update people and departments from the directory (all or nothing)."""
    if not enabled():
        raise click.ClickException("no company directory is configured (set LDAP_URL)")
    try:
        report = run()
    except (DirectoryUnavailable, SyncRefused) as exc:
        click.echo(f"directory sync failed, nothing changed: {exc}", err=True)
        sys.exit(1)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not quiet:
        _print(report, dry_run)


def _print(report: Report, dry_run: bool) -> None:
    prefix = "would " if dry_run else ""
    if not report.changed():
        click.echo(f"directory sync: {report.people} people in the directory, nothing to change")
        return
    for label, items in (
        ("create department", report.departments_created),
        ("rename department", report.departments_renamed),
        ("create", report.created),
        ("link", report.linked),
        ("deactivate", report.deactivated),
        ("reactivate", report.reactivated),
    ):
        for item in items:
            click.echo(f"{prefix}{label}: {item}")
    for username, changes in report.updated.items():
        said = ", ".join(f"{name} {before!r} → {after!r}" for name, (before, after) in changes.items())
        click.echo(f"{prefix}update {username}: {said}")
    counts = (
        f"{len(report.created)} created, {len(report.linked)} linked, {len(report.updated)} updated, "
        f"{len(report.deactivated)} deactivated, {len(report.reactivated)} reactivated, "
        f"{len(report.departments_created) + len(report.departments_renamed)} departments"
    )
    click.echo(f"directory sync{' (dry run, nothing written)' if dry_run else ''}: {counts}")
