"""write_keys: the answers to writes sent with an Idempotency-Key (shared.write_keys)

Revision ID: c1a5e0f20a02
Revises: 9fc27373ce79
Create Date: 2026-11-30 12:50:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 'c1a5e0f20a02'
down_revision = '9fc27373ce79'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'write_keys',
        sa.Column('user_id', sa.String(length=36), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('request_hash', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('headers', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('user_id', 'key'),
    )
    op.create_index('ix_write_keys_created', 'write_keys', ['created_at'])


def downgrade() -> None:
    op.drop_index('ix_write_keys_created', table_name='write_keys')
    op.drop_table('write_keys')
