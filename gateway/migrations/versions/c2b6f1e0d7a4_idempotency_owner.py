"""idempotency_keys.owner: the gateway worker holding an in-flight claim (gateway/liveness.py)

Revision ID: c2b6f1e0d7a4
Revises: b7e2d4a0c311
Create Date: 2026-11-30 12:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c2b6f1e0d7a4'
down_revision = 'b7e2d4a0c311'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('idempotency_keys', sa.Column('owner', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column('idempotency_keys', 'owner')
