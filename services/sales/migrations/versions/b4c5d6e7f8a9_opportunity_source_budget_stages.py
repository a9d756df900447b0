"""opportunity source, budget and stage history (issue 16)

Revision ID: b4c5d6e7f8a9
Revises: b5d7f9a1c3e2
Create Date: 2026-11-30 18:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'b4c5d6e7f8a9'
down_revision = 'b5d7f9a1c3e2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('opportunities', sa.Column('source', sa.String(length=100), nullable=True))
    op.add_column('opportunities', sa.Column('budget', sa.Numeric(16, 2), nullable=True))
    op.create_table(
        'opportunity_stage_changes',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('opportunity_id', sa.String(length=36), nullable=False),
        sa.Column('from_stage', sa.String(length=20), nullable=True),
        sa.Column('to_stage', sa.String(length=20), nullable=False),
        sa.Column('changed_by', sa.String(length=36), nullable=True),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_opportunity_stage_changes_opp', 'opportunity_stage_changes',
                    ['opportunity_id', 'changed_at'], unique=False)
    # what is known of the opportunities there already: their current stage, since they were
    # created (by nobody known: the history starts now)
    op.execute("INSERT INTO opportunity_stage_changes (id, opportunity_id, from_stage, to_stage, changed_by, changed_at) "
               "SELECT gen_random_uuid()::text, id, NULL, stage, NULL, created_at FROM opportunities")


def downgrade() -> None:
    op.drop_index('ix_opportunity_stage_changes_opp', table_name='opportunity_stage_changes')
    op.drop_table('opportunity_stage_changes')
    op.drop_column('opportunities', 'budget')
    op.drop_column('opportunities', 'source')
