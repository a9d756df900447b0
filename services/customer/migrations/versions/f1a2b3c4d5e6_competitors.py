"""competitors: shared reference data (issue 16), one per company name key; customers.kind (customer, agent, partner, supplier, competitor)

Revision ID: f1a2b3c4d5e6
Revises: e5f1a2b3c4d6
Create Date: 2026-11-30 16:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'f1a2b3c4d5e6'
down_revision = 'e5f1a2b3c4d6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'competitors',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('name_key', sa.String(length=200), nullable=False),
        sa.Column('website', sa.String(length=300), nullable=True),
        sa.Column('strengths', sa.Text(), nullable=True),
        sa.Column('weaknesses', sa.Text(), nullable=True),
        sa.Column('created_by', sa.String(length=36), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name_key'),
    )
    # a constant default: PostgreSQL adds it without rewriting the table
    op.add_column('customers', sa.Column('kind', sa.String(length=20), server_default='customer', nullable=False))


def downgrade() -> None:
    op.drop_column('customers', 'kind')
    op.drop_table('competitors')
