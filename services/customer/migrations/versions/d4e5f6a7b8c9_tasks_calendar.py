"""tasks with reminders, calendar feed tokens, the quote validity copy

Revision ID: d4e5f6a7b8c9
Revises: d7b2e4c81a3f
Create Date: 2026-11-30 11:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'd4e5f6a7b8c9'
down_revision = 'd7b2e4c81a3f'
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable,
                     server_default=None if nullable else sa.func.now())


def upgrade() -> None:
    op.create_table(
        'tasks',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('title', sa.String(300), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('remind_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('assignee_id', sa.String(36), nullable=False),
        sa.Column('customer_id', sa.String(36), sa.ForeignKey('customers.id'), nullable=True),
        sa.Column('related_type', sa.String(20), nullable=True),
        sa.Column('related_id', sa.String(36), nullable=True),
        sa.Column('repeat', sa.String(10), nullable=True),
        sa.Column('status', sa.String(20), nullable=False, server_default='open'),
        sa.Column('activity_id', sa.String(36), nullable=True),
        sa.Column('previous_id', sa.String(36), nullable=True),
        sa.Column('created_by', sa.String(36), nullable=False),
        _ts('created_at'), _ts('updated_at'), _ts('completed_at', nullable=True),
    )
    op.create_index('ix_tasks_assignee_due', 'tasks', ['assignee_id', 'due_at', 'id'])
    op.create_index('ix_tasks_customer_due', 'tasks', ['customer_id', 'due_at', 'id'])
    op.create_index('ix_tasks_creator_due', 'tasks', ['created_by', 'due_at', 'id'])
    op.create_index('ix_tasks_reminders_due', 'tasks', ['remind_at'],
                    postgresql_where=sa.text("status = 'open' AND reminded_at IS NULL AND remind_at IS NOT NULL"))
    op.create_index('uq_tasks_previous', 'tasks', ['previous_id'], unique=True,
                    postgresql_where=sa.text('previous_id IS NOT NULL'))
    op.create_table(
        'calendar_feeds',
        sa.Column('user_id', sa.String(36), primary_key=True),
        sa.Column('token_hash', sa.String(64), nullable=False, unique=True),
        _ts('created_at'),
    )
    op.create_table(
        'quote_deadlines',
        sa.Column('quote_id', sa.String(36), primary_key=True),
        sa.Column('number', sa.String(40), nullable=False),
        sa.Column('customer_id', sa.String(36), nullable=False),
        sa.Column('owner_id', sa.String(36), nullable=False),
        sa.Column('status', sa.String(20), nullable=False),
        sa.Column('valid_until', sa.Date, nullable=False),
    )
    op.create_index('ix_quote_deadlines_owner_until', 'quote_deadlines', ['owner_id', 'valid_until'])


def downgrade() -> None:
    op.drop_table('quote_deadlines')
    op.drop_table('calendar_feeds')
    op.drop_table('tasks')
