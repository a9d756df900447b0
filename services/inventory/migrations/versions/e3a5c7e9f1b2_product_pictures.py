"""products: a picture (a resized JPEG in the document store) (issue 16)

Revision ID: e3a5c7e9f1b2
Revises: d2f4a6c8e0b1
Create Date: 2026-11-30 19:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'e3a5c7e9f1b2'
down_revision = 'd2f4a6c8e0b1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('products', sa.Column('picture_key', sa.String(length=200), nullable=True))
    op.add_column('products', sa.Column('picture_updated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('products', 'picture_updated_at')
    op.drop_column('products', 'picture_key')
