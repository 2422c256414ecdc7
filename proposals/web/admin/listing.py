"""One page of the user list: search, filters and keyset pagination by user name.

Tens of thousands of workers: a page reads PAGE_SIZE + 1 rows from an index, whatever page it is,
never the whole table and never an OFFSET.
"""

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from workflow import ROLES

from ...extensions import db
from ...models import User, UserRole

PAGE_SIZE = 50
STATUSES = ("active", "disabled")


@dataclass(frozen=True)
class Filters:
    q: str = ""
    role: str = ""
    status: str = ""

    @classmethod
    def from_args(cls, args) -> "Filters":
        """The filters of the query string; unknown values are ignored (an empty filter)."""
        role = args.get("role", "")
        status = args.get("status", "")
        return cls(
            q=args.get("q", "").strip()[:100],
            role=role if role in ROLES else "",
            status=status if status in STATUSES else "",
        )

    def args(self) -> dict:
        return {k: v for k, v in (("q", self.q), ("role", self.role), ("status", self.status)) if v}

    def where(self) -> list:
        conditions = []
        if self.q:
            conditions.append(
                or_(
                    User.username.icontains(self.q, autoescape=True),
                    User.name.icontains(self.q, autoescape=True),
                    User.email.icontains(self.q, autoescape=True),
                )
            )
        if self.role:
            conditions.append(
                select(UserRole.user_id).where(UserRole.user_id == User.id, UserRole.role == self.role).exists()
            )
        if self.status:
            conditions.append(User.active.is_(self.status == "active"))
        return conditions


@dataclass(frozen=True)
class Page:
    users: list[User]
    total: int
    next_after: str | None  # the ?after= of the next page, None on the last
    prev_before: str | None  # the ?before= of the previous page, None on the first


def page(filters: Filters, after: str | None = None, before: str | None = None, within=None) -> Page:
    """The users matching `filters` after (or before) a user name, in user name order; with `within` (a
    condition on the user), only those."""
    conditions = filters.where() + ([within] if within is not None else [])
    query = select(User).where(*conditions).options(selectinload(User.department), selectinload(User.delegation))
    if before:
        rows = db.session.scalars(
            query.where(User.username < before).order_by(User.username.desc()).limit(PAGE_SIZE + 1)
        ).all()
        more_before = len(rows) > PAGE_SIZE
        users = list(reversed(rows[:PAGE_SIZE]))
        more_after = True
    else:
        if after:
            query = query.where(User.username > after)
        rows = db.session.scalars(query.order_by(User.username).limit(PAGE_SIZE + 1)).all()
        users = list(rows[:PAGE_SIZE])
        more_after = len(rows) > PAGE_SIZE
        more_before = bool(after)
    total = db.session.scalar(select(func.count()).select_from(User).where(*conditions))
    return Page(
        users=users,
        total=total,
        next_after=users[-1].username if users and more_after else None,
        prev_before=users[0].username if users and more_before else None,
    )
