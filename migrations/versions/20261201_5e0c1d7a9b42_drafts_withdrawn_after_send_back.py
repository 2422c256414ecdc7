"""drafts withdrawn after being sent back are their authors' alone

A proposal sent back for revision is a draft again; withdrawn from there, it keeps text that was never
submitted. Such an item now loses its submission time when withdrawn (operations/events.py), which
makes it its author's alone (access.can_view); this brings the items withdrawn so before up to that.

Revision ID: 5e0c1d7a9b42
Revises: 19736a3b7eff
Create Date: 2026-12-01 21:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "5e0c1d7a9b42"
down_revision = "19736a3b7eff"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "UPDATE proposals SET submitted_at = NULL"
        " WHERE state = 'withdrawn' AND submitted_at IS NOT NULL AND EXISTS ("
        "SELECT 1 FROM history WHERE history.proposal_id = proposals.id"
        " AND history.event = 'withdraw' AND history.from_state = 'draft')"
    )


def downgrade():
    # back to the time of the last submission, as the history keeps it
    op.execute(
        "UPDATE proposals SET submitted_at = ("
        "SELECT max(history.at) FROM history WHERE history.proposal_id = proposals.id AND history.event = 'submit')"
        " WHERE state = 'withdrawn' AND submitted_at IS NULL AND EXISTS ("
        "SELECT 1 FROM history WHERE history.proposal_id = proposals.id AND history.event = 'submit')"
    )
