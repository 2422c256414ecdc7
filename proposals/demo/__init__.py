"""`flask --app proposals seed-demo`: a demo organisation, one account per role, and proposals in
every state of the lifecycle, made through the real operations so history and notifications are real.

Dates are relative to today: the open session collects proposals now, the previous one ended
about a year and a half ago; a second open session follows the strict preset (strict.py); three
grassroots unions hold congresses of their own, one escalating a proposal to the company's (group.py).
Running it again adds nothing and only prints the accounts.
"""

from datetime import date, timedelta

import click
from sqlalchemy import func, select, update

from ..extensions import db
from ..models import DEFAULT_CATEGORIES, Category, CongressSession, Notification, OrgUnit, Proposal
from ..operations import create_session, update_session
from ..operations.clock import local_date, utcnow
from . import current_handling, current_review, group, past, strict
from .organisation import ACCOUNTS, DEPARTMENTS, PASSWORD, PEOPLE, UNION, create_organisation, create_people, taken
from .script import play

OPEN_SESSION = ("10-3", "第十届职工代表大会第三次会议")
PAST_SESSION = ("10-2", "第十届职工代表大会第二次会议")


@click.command("seed-demo")
def seed_demo_command():
    """Fill an empty database with a demo organisation, accounts and proposals."""
    if db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == UNION[0])):
        click.echo(f"The demo data ({UNION[1]}) is already there; nothing added.")
    else:
        clashes = taken() + _taken_sessions()
        if clashes:
            raise click.ClickException(
                "seed-demo needs a database without these codes and user names: " + ", ".join(clashes)
            )
        seed()
        proposals = db.session.scalar(select(func.count(Proposal.id)))
        sessions = db.session.scalar(select(func.count(CongressSession.id)))
        click.echo(f"Created the demo organisation {UNION[1]}, {sessions} congress sessions and {proposals} proposals.")
    click.echo(accounts_text())


def seed() -> None:
    now = utcnow()
    today = local_date(now)
    _create_missing_categories()
    units = create_organisation()
    create_people(units)
    # the main session rates the department's attitude as well as the result (the earlier one the result only)
    this = create_session(
        _session_data(OPEN_SESSION, today, collect_from=-120, collect_to=14, cosign_to=21) | {"two_axis_rating": True}
    )
    earlier = create_session(
        _session_data(PAST_SESSION, today, collect_from=-645, collect_to=-610, cosign_to=-605, vote_from=-470)
    )
    play([(earlier.id, past.STORIES), (this.id, current_review.STORIES + current_handling.STORIES)], units, now)
    update_session(db.session.get(CongressSession, earlier.id), {"is_open": False})
    # before the strict session: the newest open session of the company's, where proposals are escalated to
    group.seed(today, now, this.id)
    strict.seed(today, now)  # a second open session, under the strict preset
    # the demo's past is shown in the application but never mailed to its made-up addresses
    db.session.execute(update(Notification).where(Notification.email_state == "pending").values(email_state="skipped"))
    db.session.commit()


def _session_data(code_name, today: date, collect_from, collect_to, cosign_to, vote_from=None) -> dict:
    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    data = {
        "code": code_name[0],
        "name": code_name[1],
        "collection_start": day(collect_from),
        "collection_end": day(collect_to),
        "cosign_deadline": day(cosign_to),
    }
    if vote_from is not None:
        data |= {"vote_start": day(vote_from), "vote_end": day(vote_from + 10)}
    return data


def _create_missing_categories() -> None:
    present = set(db.session.scalars(select(Category.code)))
    for position, (code, name) in enumerate(DEFAULT_CATEGORIES):
        if code not in present:
            db.session.add(Category(code=code, name=name, position=position))
    db.session.commit()


def _taken_sessions() -> list[str]:
    codes = (OPEN_SESSION[0], PAST_SESSION[0], strict.SESSION[0], *group.CODES)
    return list(db.session.scalars(select(CongressSession.code).where(CongressSession.code.in_(codes))))


def accounts_text() -> str:
    """The demo accounts, for the console and the README."""
    lines = [f"Demo accounts (password for all: {PASSWORD}):", ""]
    width = max(len(a[0]) for a in ACCOUNTS)
    for username, name, _, _, _, role in ACCOUNTS:
        lines.append(f"  {username:<{width}}  {role}  {name}")
    others = [f"{username} {name}" for username, name, *_ in PEOPLE]
    lines += ["", "Further delegates, workers and department handlers (same password):"]
    lines += ["  " + "  ".join(others[i : i + 6]) for i in range(0, len(others), 6)]
    handlers = "  ".join(f"{name} {handler}" for _, name, handler, _ in DEPARTMENTS)
    lines += ["", "Department handlers: " + handlers]
    return "\n".join(lines)
