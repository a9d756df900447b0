"""imports: mapping, create/upsert with a match key, the header for the failed rows' file,
undo (import_changes), customers.external_id

Revision ID: e5f1a2b3c4d6
Revises: e1f2a3b4c5d6
Create Date: 2026-11-30 15:40:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 'e5f1a2b3c4d6'
down_revision = 'e1f2a3b4c5d6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('customers', sa.Column('external_id', sa.String(length=200), nullable=True))
    op.create_index('ix_customers_external_id', 'customers', ['external_id'],
                    postgresql_where=sa.text('deleted_at IS NULL AND external_id IS NOT NULL'))
    for column in (
        sa.Column('kind', sa.String(length=20), server_default='customers', nullable=False),
        sa.Column('mapping', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column('mode', sa.String(length=10), server_default='create', nullable=False),
        sa.Column('match_on', sa.String(length=20), server_default='name', nullable=False),
        sa.Column('header', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column('updated', sa.Integer(), server_default='0', nullable=False),
        sa.Column('undone', sa.Integer(), server_default='0', nullable=False),
        sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    ):
        op.add_column('import_jobs', column)
    op.create_table(
        'import_changes',
        sa.Column('job_id', sa.String(length=36), sa.ForeignKey('import_jobs.id'), nullable=False),
        sa.Column('seq', sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column('record_type', sa.String(length=20), nullable=False),
        sa.Column('record_id', sa.String(length=36), nullable=False),
        sa.Column('action', sa.String(length=10), nullable=False),
        sa.Column('before', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('job_id', 'seq'),
    )


def downgrade() -> None:
    op.drop_table('import_changes')
    for name in ('undone_at', 'undone', 'updated', 'header', 'match_on', 'mode', 'mapping', 'kind'):
        op.drop_column('import_jobs', name)
    op.drop_index('ix_customers_external_id', table_name='customers')
    op.drop_column('customers', 'external_id')
