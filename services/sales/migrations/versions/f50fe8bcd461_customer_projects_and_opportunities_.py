"""customer projects and opportunities.project_id

Revision ID: f50fe8bcd461
Revises: e1f2a3b4c5d7
Create Date: 2026-11-30 15:06:12
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'f50fe8bcd461'
down_revision = 'e1f2a3b4c5d7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence('project_number_seq')))
    op.create_table('projects',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('owner_id', sa.String(length=36), nullable=False),
    sa.Column('created_by', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('estimated_amount', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('budget', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('competitors', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('contacts', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('submit_note', sa.String(length=1000), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=36), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_comment', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    op.create_index('ix_projects_created', 'projects', [sa.literal_column('created_at DESC'), sa.literal_column('id DESC')], unique=False)
    op.create_index('ix_projects_customer', 'projects', ['customer_id', sa.literal_column('created_at DESC')], unique=False)
    op.create_index('ix_projects_owner', 'projects', ['owner_id', sa.literal_column('created_at DESC')], unique=False)
    op.create_index('ix_projects_status', 'projects', ['status', sa.literal_column('created_at DESC')], unique=False)
    op.add_column('opportunities', sa.Column('project_id', sa.String(length=36), nullable=True))
    op.create_index('ix_opportunities_project', 'opportunities', ['project_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_opportunities_project', table_name='opportunities')
    op.drop_column('opportunities', 'project_id')
    op.drop_index('ix_projects_status', table_name='projects')
    op.drop_index('ix_projects_owner', table_name='projects')
    op.drop_index('ix_projects_customer', table_name='projects')
    op.drop_index('ix_projects_created', table_name='projects')
    op.drop_table('projects')
    op.execute(sa.schema.DropSequence(sa.Sequence('project_number_seq')))
