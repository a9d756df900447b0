"""campaigns: marketing campaigns, their members, mailings and recipients, suppressed
addresses, the copy of opportunities naming a campaign; leads.campaign_id (issue 16)

Revision ID: c4a7e2d9b1f0
Revises: a9d4c2e7f3b1
Create Date: 2026-11-30 18:40:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 'c4a7e2d9b1f0'
down_revision = 'a9d4c2e7f3b1'
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable,
                     server_default=None if nullable else sa.text('now()'))


def upgrade() -> None:
    op.create_table(
        'campaigns',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), server_default='planned', nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('budget', sa.Numeric(14, 2), nullable=False),
        sa.Column('actual_cost', sa.Numeric(14, 2), nullable=True),
        sa.Column('product_ids', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"),
                  nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('created_by', sa.String(length=36), nullable=True),
        _ts('created_at'),
        _ts('updated_at'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_campaigns_starts', 'campaigns', [sa.text('starts_on DESC'), sa.text('id DESC')])
    op.create_table(
        'campaign_members',
        sa.Column('campaign_id', sa.String(length=36), nullable=False),
        sa.Column('member_type', sa.String(length=10), nullable=False),
        sa.Column('member_id', sa.String(length=36), nullable=False),
        sa.Column('customer_id', sa.String(length=36), nullable=True),
        sa.Column('added_by', sa.String(length=36), nullable=True),
        _ts('added_at'),
        _ts('reached_at', True),
        _ts('bounced_at', True),
        sa.Column('bounce_reason', sa.String(length=300), nullable=True),
        _ts('unsubscribed_at', True),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('campaign_id', 'member_type', 'member_id'),
    )
    op.create_index('ix_campaign_members_customer', 'campaign_members', ['customer_id'])
    op.create_index('ix_campaign_members_member', 'campaign_members', ['member_id'])
    op.create_table(
        'campaign_mailings',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('campaign_id', sa.String(length=36), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_by', sa.String(length=36), nullable=False),
        sa.Column('correlation_id', sa.String(length=64), nullable=True),
        sa.Column('status', sa.String(length=20), server_default='queued', nullable=False),
        *(sa.Column(n, sa.Integer(), server_default='0', nullable=False)
          for n in ('total', 'processed', 'sent', 'skipped', 'bounced', 'last_seq', 'error_count')),
        sa.Column('errors', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"),
                  nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        _ts('created_at'),
        _ts('heartbeat_at', True),
        _ts('finished_at', True),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_campaign_mailings_pending', 'campaign_mailings', ['created_at'],
                    postgresql_where=sa.text("status IN ('queued', 'running')"))
    op.create_index('ix_campaign_mailings_campaign', 'campaign_mailings', ['campaign_id', sa.text('created_at DESC')])
    op.create_table(
        'campaign_mail_recipients',
        sa.Column('mailing_id', sa.String(length=36), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('member_type', sa.String(length=10), nullable=False),
        sa.Column('member_id', sa.String(length=36), nullable=False),
        sa.Column('customer_id', sa.String(length=36), nullable=True),
        sa.Column('email', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=20), server_default='pending', nullable=False),
        sa.Column('detail', sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(['mailing_id'], ['campaign_mailings.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('mailing_id', 'seq'),
    )
    op.create_table(
        'email_suppressions',
        sa.Column('email_key', sa.String(length=200), nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.Column('campaign_id', sa.String(length=36), nullable=True),
        sa.Column('detail', sa.String(length=300), nullable=True),
        _ts('created_at'),
        sa.PrimaryKeyConstraint('email_key'),
    )
    op.create_table(
        'campaign_opportunities',
        sa.Column('opportunity_id', sa.String(length=36), nullable=False),
        sa.Column('campaign_id', sa.String(length=36), nullable=True),
        sa.Column('customer_id', sa.String(length=36), nullable=True),
        sa.Column('stage', sa.String(length=20), nullable=False),
        sa.Column('amount', sa.Numeric(14, 2), nullable=False),
        sa.PrimaryKeyConstraint('opportunity_id'),
    )
    op.create_index('ix_campaign_opportunities_campaign', 'campaign_opportunities', ['campaign_id'])
    op.add_column('leads', sa.Column('campaign_id', sa.String(length=36), nullable=True))
    op.create_index('ix_leads_campaign', 'leads', ['campaign_id'], postgresql_where=sa.text('campaign_id IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_leads_campaign', table_name='leads')
    op.drop_column('leads', 'campaign_id')
    for table in ('campaign_opportunities', 'email_suppressions', 'campaign_mail_recipients', 'campaign_mailings',
                  'campaign_members', 'campaigns'):
        op.drop_table(table)
