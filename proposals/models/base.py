from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC now: every timestamp is stored in UTC and shown in the user's time zone."""
    return datetime.now(UTC).replace(tzinfo=None)
