"""The live server's database outlives the tests: another test's reset of its own database leaves it alone.

On PostgreSQL every test of a worker shares that worker's database, which the `app` fixture empties; the
package-scoped live server keeps a database of its own, or its seeded categories would vanish under the
browser tests that run after any test using `app`.
"""

from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import Category


def _categories() -> int:
    return db.session.scalar(select(func.count()).select_from(Category))


def test_a_reset_elsewhere_leaves_the_live_servers_data(live_server, app):
    # `app` has just emptied and seeded its own database; empty it once more, categories included
    db.session.execute(Category.__table__.delete())
    db.session.commit()
    assert _categories() == 0
    assert live_server.run(_categories) > 0
    assert live_server.app.config["SQLALCHEMY_DATABASE_URI"] != app.config["SQLALCHEMY_DATABASE_URI"]
