"""import jobs: large imports run by the task queue's worker, with their progress; the queue's schema on PostgreSQL

`import_jobs` (both databases): one uploaded file, who asked, its state and progress, its result or its errors.
On PostgreSQL the task queue (procrastinate, 3.x) keeps its jobs in the same database: its schema, as the
installed procrastinate gives it, is applied here and removed on the way down. SQLite has no queue (its
large imports run on the command line). Data already there: nothing to carry over (no job ran before).

Revision ID: 6c1a9e4f2b57
Revises: 4b7d2e9a1c30
Create Date: 2026-12-04 01:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "6c1a9e4f2b57"
down_revision = "4b7d2e9a1c30"
branch_labels = None
depends_on = None

# every object procrastinate's schema creates is named procrastinate_*: its functions are dropped by name, as
# their signatures change between its versions
DROP_QUEUE = """
DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs, procrastinate_workers
    CASCADE;
DO $$
DECLARE f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.pronamespace = current_schema()::regnamespace AND p.proname LIKE 'procrastinate\\_%'
    LOOP
        EXECUTE 'DROP FUNCTION ' || f || ' CASCADE';
    END LOOP;
END $$;
DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type, procrastinate_job_status CASCADE;
"""


def upgrade():
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=True),
        sa.Column("check_only", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_import_jobs_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
    )
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_jobs_created_by_id"), ["created_by_id"], unique=False)
    bind = op.get_bind()
    # a queue's schema applied by hand before (`procrastinate schema --apply`) stays, with its jobs
    if bind.dialect.name == "postgresql" and bind.scalar(sa.text("SELECT to_regclass('procrastinate_jobs')")) is None:
        from procrastinate.schema import SchemaManager

        op.execute(SchemaManager.get_schema())


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DROP_QUEUE)
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_jobs_created_by_id"))
    op.drop_table("import_jobs")
