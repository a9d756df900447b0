"""bulk_jobs: bulk changes of customers and their undo (services/customer/bulk_worker.py)

Revision ID: e6b2c4d8f1a3
Revises: f1a2b3c4d5e6
Create Date: 2026-11-30 15:30:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 'e6b2c4d8f1a3'
down_revision = 'f1a2b3c4d5e6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'bulk_jobs',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('created_by', sa.String(length=36), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('correlation_id', sa.String(length=64), nullable=True),
        sa.Column('changes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('target', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('undo_of', sa.String(length=36), nullable=True),
        sa.Column('undone_by', sa.String(length=36), nullable=True),
        sa.Column('status', sa.String(length=20), server_default='queued', nullable=False),
        sa.Column('total', sa.Integer(), server_default='0', nullable=False),
        sa.Column('processed', sa.Integer(), server_default='0', nullable=False),
        sa.Column('changed', sa.Integer(), server_default='0', nullable=False),
        sa.Column('last_seq', sa.Integer(), server_default='0', nullable=False),
        sa.Column('error_count', sa.Integer(), server_default='0', nullable=False),
        sa.Column('errors', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"),
                  nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_bulk_jobs_pending', 'bulk_jobs', ['created_at'],
                    postgresql_where=sa.text("status IN ('queued', 'running')"))
    op.create_index('ix_bulk_jobs_creator', 'bulk_jobs', ['created_by', sa.text('created_at DESC'),
                                                          sa.text('id DESC')])
    op.create_table(
        'bulk_job_items',
        sa.Column('job_id', sa.String(length=36), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.String(length=36), nullable=False),
        sa.Column('before', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column('after', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column('share_added', sa.String(length=36), nullable=True),
        sa.Column('share_removed', sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(['job_id'], ['bulk_jobs.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('job_id', 'seq'),
    )


def downgrade() -> None:
    op.drop_table('bulk_job_items')
    op.drop_index('ix_bulk_jobs_creator', table_name='bulk_jobs')
    op.drop_index('ix_bulk_jobs_pending', table_name='bulk_jobs')
    op.drop_table('bulk_jobs')
