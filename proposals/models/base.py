from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC now: every timestamp is stored in UTC and shown in the user's time zone."""
    return datetime.now(UTC).replace(tzinfo=None)


def built_on(item, dialect: str) -> bool:
    """Whether the schema has `item` (an index...) on `dialect`: false for one made only for another
    database (`.ddl_if(dialect=...)`), which autogenerate and the schema test must not look for."""
    only = getattr(item, "_ddl_if", None)
    if only is None or only.dialect is None:
        return True
    return dialect == only.dialect if isinstance(only.dialect, str) else dialect in only.dialect


QUEUE_PREFIX = "procrastinate_"  # the task queue's own tables on PostgreSQL (migration 6c1a9e4f2b57), not models


def ours(name: str | None, type_: str) -> bool:
    """Whether a table the database has is one of the models' (autogenerate and the schema test compare only
    those): not the task queue's."""
    return not (type_ == "table" and name and name.startswith(QUEUE_PREFIX))
