"""webhooks, their deliveries (the durable retry queue) and each delivery's attempts (issue 17)

Revision ID: a9b8c7d6e5f4
Revises: a1c8d9e0f2b3
Create Date: 2026-11-30 12:40:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 'a9b8c7d6e5f4'
down_revision = 'a1c8d9e0f2b3'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'webhooks',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('owner_id', sa.String(36), nullable=False),
        sa.Column('url', sa.String(2000), nullable=False),
        sa.Column('events', postgresql.JSONB(), nullable=False),
        sa.Column('secret', sa.String(200), nullable=False),
        sa.Column('description', sa.String(300), nullable=True),
        sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('created_at', TS, server_default=sa.func.now(), nullable=False),
        sa.Column('updated_at', TS, server_default=sa.func.now(), nullable=False),
    )
    op.create_index('ix_webhooks_owner_id', 'webhooks', ['owner_id'])
    op.create_table(
        'webhook_deliveries',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('webhook_id', sa.String(36), sa.ForeignKey('webhooks.id', ondelete='CASCADE'), nullable=False),
        sa.Column('event_id', sa.String(36), nullable=False),
        sa.Column('event_type', sa.String(120), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', sa.String(20), server_default='pending', nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('response_code', sa.Integer(), nullable=True),
        sa.Column('last_error', sa.String(500), nullable=True),
        sa.Column('created_at', TS, server_default=sa.func.now(), nullable=False),
        sa.Column('window_started_at', TS, server_default=sa.func.now(), nullable=False),
        sa.Column('next_attempt_at', TS, server_default=sa.func.now(), nullable=False),
        sa.Column('last_attempt_at', TS, nullable=True),
        sa.Column('delivered_at', TS, nullable=True),
        sa.UniqueConstraint('webhook_id', 'event_id', name='uq_webhook_deliveries_event'),
    )
    op.create_index('ix_webhook_deliveries_log', 'webhook_deliveries',
                    ['webhook_id', sa.text('created_at DESC'), sa.text('id DESC')])
    op.create_index('ix_webhook_deliveries_due', 'webhook_deliveries', ['next_attempt_at'],
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_table(
        'webhook_attempts',
        sa.Column('id', sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column('delivery_id', sa.String(36), sa.ForeignKey('webhook_deliveries.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('attempted_at', TS, nullable=False),
        sa.Column('response_code', sa.Integer(), nullable=True),
        sa.Column('error', sa.String(500), nullable=True),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
    )
    op.create_index('ix_webhook_attempts_delivery_id', 'webhook_attempts', ['delivery_id'])


def downgrade() -> None:
    op.drop_table('webhook_attempts')
    op.drop_table('webhook_deliveries')
    op.drop_table('webhooks')
