"""projects copy and expenses.project_id

Revision ID: e71485d80dd6
Revises: e1f2a3b4c5d8
Create Date: 2026-11-30 15:10:29
"""
from alembic import op
import sqlalchemy as sa


revision = 'e71485d80dd6'
down_revision = 'e1f2a3b4c5d8'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('projects',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('owner_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_projects_customer_id'), 'projects', ['customer_id'], unique=False)
    op.add_column('expenses', sa.Column('project_id', sa.String(length=36), nullable=True))
    op.create_index('ix_expenses_project', 'expenses', ['project_id', sa.literal_column('created_at DESC'), sa.literal_column('id DESC')], unique=False)


def downgrade() -> None:
    op.drop_index('ix_expenses_project', table_name='expenses')
    op.drop_column('expenses', 'project_id')
    op.drop_index(op.f('ix_projects_customer_id'), table_name='projects')
    op.drop_table('projects')
