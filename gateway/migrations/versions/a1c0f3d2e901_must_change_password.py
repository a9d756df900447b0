"""users.must_change_password: a generated first-admin password must be changed at first login

Revision ID: a1c0f3d2e901
Revises: 4339601bce66
Create Date: 2026-11-30 05:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'a1c0f3d2e901'
down_revision = '4339601bce66'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('users', sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                     nullable=False))


def downgrade() -> None:
    op.drop_column('users', 'must_change_password')
