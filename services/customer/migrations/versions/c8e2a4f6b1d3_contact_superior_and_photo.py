"""contacts: the direct superior (直接领导, another contact of the customer) and a photo
(issue 16)

Revision ID: c8e2a4f6b1d3
Revises: e6b2c4d8f1a3
Create Date: 2026-11-30 19:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c8e2a4f6b1d3'
down_revision = 'e6b2c4d8f1a3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('contacts', sa.Column('superior_id', sa.String(length=36), nullable=True))
    op.add_column('contacts', sa.Column('photo_key', sa.String(length=200), nullable=True))
    op.add_column('contacts', sa.Column('photo_updated_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_contacts_superior', 'contacts', ['superior_id'], unique=False,
                    postgresql_where=sa.text('superior_id IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_contacts_superior', table_name='contacts')
    op.drop_column('contacts', 'photo_updated_at')
    op.drop_column('contacts', 'photo_key')
    op.drop_column('contacts', 'superior_id')
