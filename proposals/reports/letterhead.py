"""Whose paper it is: the union's name on every printed document."""

from flask_babel import pgettext
from sqlalchemy import select

from ..extensions import db
from ..models import OrgUnit


def union_name() -> str:
    """The root union's name (the `union` unit without a parent), else the application's generic title."""
    name = db.session.scalar(
        select(OrgUnit.name).where(OrgUnit.kind == "union", OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id).limit(1)
    )
    return name or pgettext("product name", "Proposals")
