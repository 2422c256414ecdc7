"""The categories of proposals (类别): administered like the units. A category's code never changes and
a category is never deleted; a retired one stays on its proposals and is no longer offered for new ones."""

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from workflow.errors import N_
from workflow.payload import Boolean, Integer, Line, message, validate

from ..extensions import db
from ..models import DEFAULT_CATEGORIES, Category, User
from . import audit
from .admin import authorize
from .errors import Taken
from .unit import finish

CODE_TAKEN = N_("This code is taken.")
CATEGORY_FIELDS = {
    "code": Line(required=True, max_length=40),
    "name": Line(required=True, max_length=100),
    "position": Integer(minimum=0, maximum=10_000),
}
CATEGORY_CHANGES = {
    "name": Line(required=True, max_length=100),
    "position": Integer(minimum=0, maximum=10_000),
    "retired": Boolean(),
}


def create_category(data, *, actor: User | None = None) -> Category:
    """Add a category, after the others unless a position is given."""
    authorize(actor)
    clean = validate(CATEGORY_FIELDS, data)
    if db.session.scalar(select(Category.id).where(Category.code == clean["code"])):
        raise Taken({"code": message(CODE_TAKEN)}, message=CODE_TAKEN)
    if "position" not in clean:
        clean["position"] = (db.session.scalar(select(func.max(Category.position))) or 0) + 1
    category = Category(**clean)
    db.session.add(category)
    try:
        # the record flushes: a code taken at the same moment fails here
        audit.record("category.create", category, clean, actor=actor)
        finish()
    except IntegrityError:
        db.session.rollback()
        raise Taken({"code": message(CODE_TAKEN)}, message=CODE_TAKEN) from None
    return category


def update_category(category: Category, data, *, actor: User | None = None) -> Category:
    """Rename a category, move it in the list, retire it or bring it back; its code never changes."""
    authorize(actor)
    given = {n: f for n, f in CATEGORY_CHANGES.items() if isinstance(data, dict) and n in data}
    clean = validate(given, data)  # (a field not in CATEGORY_CHANGES is refused as unknown: the code among them)
    if not clean:
        return category
    for name, value in clean.items():
        setattr(category, name, value)
    audit.record("category.update", category, clean, actor=actor)
    finish()
    return category


def offered_categories() -> list[Category]:
    """The categories a new proposal can have (the retired ones are not offered), in their order."""
    return list(
        db.session.scalars(select(Category).where(Category.retired.is_(False)).order_by(Category.position, Category.id))
    )


def seed_default_categories() -> None:
    """Add each default category that is missing, as `flask db upgrade` does on a bare install (for the
    databases built from the models: the tests', the scale generator's)."""
    present = set(db.session.scalars(select(Category.code)))
    for position, (code, name) in enumerate(DEFAULT_CATEGORIES):
        if code not in present:
            db.session.add(Category(code=code, name=name, position=position))
    finish()
