"""`directory sync`: bring people and departments over from the directory, all or nothing.

One transaction: departments (from LDAP_DEPARTMENT_BASE) made or renamed; each person's account
linked (to an existing account by LDAP_LINK_BY), made, or brought in line with the entry; accounts
disabled in the directory, or gone from it, deactivated (their sessions and API tokens ended), never
deleted; an account the directory had deactivated is active again once its entry is enabled (one an
administrator disabled here stays so). One audit row names what changed. A dry run does the same and
rolls it all back (proposals/directory/cli.py).
"""

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import ApiToken, AuditEntry, ExternalIdentity, OrgUnit, User, root_union
from ..operations import audit
from . import accounts, client, provider


class SyncRefused(Exception):
    """The directory's answer does not look like the whole directory: nothing is changed."""


@dataclass
class Report:
    departments_created: list[str] = field(default_factory=list)
    departments_renamed: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    linked: list[str] = field(default_factory=list)
    updated: dict[str, dict] = field(default_factory=dict)
    deactivated: list[str] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    people: int = 0

    def changed(self) -> bool:
        return any(
            (
                self.departments_created,
                self.departments_renamed,
                self.created,
                self.linked,
                self.updated,
                self.deactivated,
                self.reactivated,
            )
        )

    def details(self) -> dict:
        return {
            "source": provider(),
            "people": self.people,
            "departments_created": self.departments_created,
            "departments_renamed": self.departments_renamed,
            "created": self.created,
            "linked": self.linked,
            "updated": self.updated,
            "deactivated": self.deactivated,
            "reactivated": self.reactivated,
            "warnings": self.warnings[:100],
        }


def run() -> Report:
    """Synchronise (flushed, not committed: the command commits, or for a dry run rolls back), with one
    audit row. Raise client.DirectoryUnavailable or SyncRefused, having changed nothing."""
    conn = client.service_connection()
    try:
        departments = client.departments(conn)
        entries = client.people(conn)
    finally:
        client.close(conn)
    linked_count = db.session.scalar(
        select(db.func.count(ExternalIdentity.id)).where(ExternalIdentity.provider == provider())
    )
    if not entries and linked_count:
        raise SyncRefused(
            f"the directory lists nobody under {current_app.config['LDAP_USER_BASE']!r}, yet {linked_count} "
            "accounts here are linked to it: check LDAP_USER_BASE and LDAP_USER_FILTER (nothing was changed)"
        )
    report = Report(people=len(entries))
    try:
        _departments(departments, report)
        seen = _people(entries, report)
        _gone(seen, report)
        audit.record("directory.sync", details=report.details())
        db.session.flush()
    except BaseException:
        db.session.rollback()
        raise
    return report


def _departments(found: list[tuple[str, str]], report: Report) -> None:
    parent = root_union()
    for code, name in found:
        unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code[:40]))
        if unit is None:
            unit = OrgUnit(code=code[:40], name=name[:200], kind="department", parent_id=parent.id if parent else None)
            db.session.add(unit)
            audit.record("unit.create", unit, {"source": provider(), "code": unit.code, "name": unit.name})
            report.departments_created.append(f"{unit.code} {unit.name}")
        elif unit.kind != "department":
            report.warnings.append(f"department {code!r}: the code is a {unit.kind} here, left alone")
        elif unit.name != name[:200]:
            audit.record("unit.update", unit, {"source": provider(), "name": [unit.name, name[:200]]})
            report.departments_renamed.append(f"{unit.code}: {unit.name} → {name[:200]}")
            unit.name = name[:200]
    db.session.flush()


def _people(entries: list[client.Entry], report: Report) -> set[int]:
    """Apply each entry; return the ids of the accounts the directory lists."""
    seen = set()
    link_by = current_app.config["LDAP_LINK_BY"] or ()
    for entry in sorted(entries, key=lambda e: e.dn.lower()):
        outcome = accounts.apply(entry, create=not entry.disabled, link_by=link_by)  # none made to be disabled
        report.warnings.extend(outcome.warnings)
        user = outcome.user
        if user is None:
            continue
        seen.add(user.id)
        if outcome.created:
            report.created.append(user.username)
            continue
        if outcome.linked:
            renamed = outcome.changes.get("username")
            report.linked.append(f"{renamed[0]} (now {renamed[1]})" if renamed else user.username)
        if outcome.changes:
            report.updated[user.username] = outcome.changes
        if entry.disabled and user.active:
            _deactivate(user, report, "disabled in the directory")
        elif not entry.disabled and not user.active and _deactivated_by_directory(user):
            user.active = True
            audit.record("user.enable", user, {"source": provider(), "reason": "enabled in the directory"})
            report.reactivated.append(user.username)
    db.session.flush()
    return seen


def _gone(seen: set[int], report: Report) -> None:
    """Deactivate the active accounts linked to entries the directory no longer lists."""
    linked = select(ExternalIdentity.user_id).where(ExternalIdentity.provider == provider())
    for user in db.session.scalars(select(User).where(User.id.in_(linked), User.active).order_by(User.username)):
        if user.id not in seen:
            _deactivate(user, report, "no longer in the directory")


def _deactivate(user: User, report: Report, reason: str) -> None:
    if accounts._last_admin(user):
        report.warnings.append(f"{user.username}: {reason}, but left active as the last union administrator")
        return
    user.active = False
    user.end_sessions()
    for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))):
        token.revoke()
    audit.record("user.disable", user, {"source": provider(), "reason": reason})
    report.deactivated.append(f"{user.username} ({reason})")


def _deactivated_by_directory(user: User) -> bool:
    """Whether the account's last disabling was the directory's (not an administrator's)."""
    last = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.target_type == "users", AuditEntry.target_id == user.id, AuditEntry.action == "user.disable")
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(1)
    )
    return last is not None and (last.details or {}).get("source") == provider()
