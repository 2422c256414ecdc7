"""People and the organisation: units (union, grassroots unions, delegations, departments), users, roles."""

from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, false, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from workflow import ROLES, Actor

from ..extensions import db
from .base import utcnow
from .token import ApiToken

UNIT_KINDS = ("union", "grassroots", "delegation", "department")
UNION_KINDS = ("union", "grassroots")  # the units that hold a congress: the root union, the unions below it
# the roles that follow a unit rather than a union: a department's liaison handles what is assigned to the
# department, a delegation's head heads that delegation, whichever union's congress it is; a worker is one
UNIT_ROLES = frozenset({"worker", "department_handler", "delegation_head"})


# the dashboard's colours, on the union's own row (null: the defaults of operations/thresholds.py); both or none
DASHBOARD_THRESHOLDS_CHECK = (
    "(dashboard_green IS NULL AND dashboard_amber IS NULL) OR (dashboard_amber >= 0"
    " AND dashboard_green <= 100 AND dashboard_amber < dashboard_green)"
)


class OrgUnit(db.Model):
    __tablename__ = "org_units"
    __table_args__ = (
        CheckConstraint(f"kind IN {UNIT_KINDS}", name="kind"),
        CheckConstraint(DASHBOARD_THRESHOLDS_CHECK, name="dashboard_thresholds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # the union's only (the root unit): a rate shows green from `dashboard_green` %, amber from `..._amber` %
    dashboard_green: Mapped[int | None] = mapped_column()
    dashboard_amber: Mapped[int | None] = mapped_column()
    # the root's only: whether a grassroots union's workers see the public results of its sibling unions
    share_public_results: Mapped[bool] = mapped_column(default=False, server_default=false())

    parent: Mapped["OrgUnit | None"] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<OrgUnit {self.kind} {self.code}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="role"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(30), primary_key=True)


class UnionRole(db.Model):
    """A role held in a union below the root (a committee member of 第三分公司工会); the roles of
    `user_roles` are those held at the root, the company union."""

    __tablename__ = "union_roles"
    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="role"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(30), primary_key=True)
    union_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), primary_key=True, index=True)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # None: the person signs in through the directory or a sign-in provider only (no local password)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    email: Mapped[str | None] = mapped_column(String(200))
    mobile: Mapped[str | None] = mapped_column(String(32))  # for SMS, and matched at directory sign-in
    employee_no: Mapped[str | None] = mapped_column(String(64), unique=True)  # 工号
    email_notifications: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(20))
    # part of the id kept in sessions and remember cookies: raising it ends every session of the user
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    # an initial password (generated, or marked so by an administrator): changed at the first page login
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    # a one-time activation code (激活码) to set one's own password with (proposals/auth/activation.py):
    # the code is derived from the salt and the application's key when it is printed or sent; the row
    # keeps only its HMAC, by which it is found, and whether and when it was used up or expires
    activation_salt: Mapped[str | None] = mapped_column(String(64))
    activation_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    activation_expires_at: Mapped[datetime | None]
    activation_used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    union_role_rows: Mapped[list[UnionRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    department: Mapped[OrgUnit | None] = relationship(foreign_keys=[department_id])
    delegation: Mapped[OrgUnit | None] = relationship(foreign_keys=[delegation_id])

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)

    @roles.setter
    def roles(self, names) -> None:
        self.role_rows = [UserRole(role=n) for n in sorted(set(names))]

    def has_role(self, *names: str) -> bool:
        """Whether the user holds one of these roles at the root (the company union)."""
        return bool(self.roles.intersection(names))

    def roles_in(self, union_id: int | None) -> frozenset[str]:
        """The roles held in the union `union_id` (None: the root, whose roles are `roles`)."""
        if union_id is None:
            return self.roles
        return frozenset(r.role for r in self.union_role_rows if r.union_id == union_id)

    @property
    def scoped_roles(self) -> list[tuple[str, int]]:
        """The roles held in unions below the root, as (role, union id), in order."""
        return sorted((r.role, r.union_id) for r in self.union_role_rows)

    def set_password(self, password: str) -> None:
        # scrypt at werkzeug's full cost in production; the test suite lowers it to stay fast
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    def check_password(self, password: str) -> bool:
        return self.password_hash is not None and check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login: a disabled account cannot log in
        return self.active

    def get_id(self) -> str:  # Flask-Login: what a session or remember cookie holds
        # the key names this browser's login (proposals/auth/sessions.py); without one, no login works
        return f"{self.id}:{self.session_epoch}:{getattr(self, 'login_session_key', None) or ''}"

    def end_sessions(self) -> None:
        """End every browser session of this user, on every device, at their next request."""
        self.session_epoch = (self.session_epoch or 0) + 1

    def uses_api(self) -> bool:
        """Whether the account pages offer the API tokens (我的访问令牌): the JSON API is for programs, so
        only union administrators, who set up what connects to the system, and those who hold a token
        already (live, or ended and not yet purged) see the tab. Anyone may still open /account/tokens
        by its address to make a first token for a program; README.md says so."""
        if self.has_role("union_admin"):
            return True
        return db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == self.id).limit(1)) is not None

    def actor(self, union_id: int | None = None) -> Actor:
        """The engine's view of the user acting in the union `union_id`'s congress (None: the root's): the
        roles held there, and those that follow a unit wherever it lies (UNIT_ROLES)."""
        roles = self.roles if union_id is None else self.roles_in(union_id) | (self.roles & UNIT_ROLES)
        return Actor(id=self.id, roles=roles, department_id=self.department_id, delegation_id=self.delegation_id)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class Category(db.Model):
    """A proposal's category (类别). Never deleted: a retired one stays on its proposals and is no longer
    offered for new ones."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)
    retired: Mapped[bool] = mapped_column(default=False, server_default=false())


# the categories the schema comes with (the migration seeding them keeps its own copy of this list)
DEFAULT_CATEGORIES = (
    ("production", "生产经营"),
    ("reform", "改革发展"),
    ("rights", "职工权益"),
    ("safety", "安全生产"),
    ("welfare", "生活福利"),
    ("training", "教育培训"),
    ("culture", "文化建设"),
    ("other", "其他"),
)


def root_union() -> OrgUnit | None:
    """The union itself (the root `union` unit), whose name is the one people know the site by."""
    return db.session.scalar(
        select(OrgUnit).where(OrgUnit.kind == "union", OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id).limit(1)
    )


__all__ = [
    "OrgUnit",
    "User",
    "UserRole",
    "UnionRole",
    "UNION_KINDS",
    "Category",
    "DEFAULT_CATEGORIES",
    "UNIT_KINDS",
    "root_union",
]
