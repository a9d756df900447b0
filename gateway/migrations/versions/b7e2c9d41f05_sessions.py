"""sessions and retired refresh tokens (revocable sessions, refresh rotation); login
failures indexed by (username, address) for the per-pair back-off

Revision ID: b7e2c9d41f05
Revises: a1c0f3d2e901
Create Date: 2026-11-30 08:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'b7e2c9d41f05'
down_revision = 'a1c0f3d2e901'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sessions',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('user_id', sa.String(length=36), nullable=False),
        sa.Column('refresh_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_reason', sa.String(length=40), nullable=True),
        sa.Column('user_agent', sa.String(length=300), nullable=True),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ux_sessions_refresh_hash', 'sessions', ['refresh_hash'], unique=True)
    op.create_index('ix_sessions_user_live', 'sessions', ['user_id'], postgresql_where=sa.text('revoked_at IS NULL'))
    op.create_index('ix_sessions_expires', 'sessions', ['expires_at'])
    op.create_table(
        'retired_refresh_tokens',
        sa.Column('refresh_hash', sa.String(length=64), nullable=False),
        sa.Column('session_id', sa.String(length=36), nullable=False),
        sa.Column('retired_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('refresh_hash'),
    )
    op.create_index('ix_retired_refresh_session', 'retired_refresh_tokens', ['session_id'])
    op.create_index('ix_login_failures_pair', 'login_failures', ['username', 'address', 'failed_at'])


def downgrade() -> None:
    op.drop_index('ix_login_failures_pair', table_name='login_failures')
    op.drop_index('ix_retired_refresh_session', table_name='retired_refresh_tokens')
    op.drop_table('retired_refresh_tokens')
    op.drop_index('ix_sessions_expires', table_name='sessions')
    op.drop_index('ix_sessions_user_live', table_name='sessions')
    op.drop_index('ux_sessions_refresh_hash', table_name='sessions')
    op.drop_table('sessions')
