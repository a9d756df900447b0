"""user_preferences: the portal's per-user language, saved views and columns

Revision ID: b7e2d4a0c311
Revises: b7e2c9d41f05
Create Date: 2026-11-30 08:45:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

revision = 'b7e2d4a0c311'
down_revision = 'b7e2c9d41f05'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'user_preferences',
        sa.Column('user_id', sa.String(36), sa.ForeignKey('users.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('data', JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_table('user_preferences')
