"""opening-balance imports (issue 17): the import's record and the import each opening balance came from

Revision ID: a9d3e5f7b1c2
Revises: f3b4c5d6e7a8
Create Date: 2026-11-30 19:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'a9d3e5f7b1c2'
down_revision = 'f3b4c5d6e7a8'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'opening_balance_imports',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=True),
        sa.Column('header', sa.JSON(), nullable=True),
        sa.Column('total', sa.Integer(), server_default='0', nullable=False),
        sa.Column('processed', sa.Integer(), server_default='0', nullable=False),
        sa.Column('created', sa.Integer(), server_default='0', nullable=False),
        sa.Column('error_count', sa.Integer(), server_default='0', nullable=False),
        sa.Column('errors', sa.JSON(), server_default='[]', nullable=False),
        sa.Column('undone', sa.Integer(), nullable=True),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('created_by', sa.String(length=36), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_opening_balance_imports_list', 'opening_balance_imports',
                    [sa.literal_column('created_at DESC'), sa.literal_column('id DESC')], unique=False)
    op.add_column('opening_balances', sa.Column('import_id', sa.String(length=36), nullable=True))
    op.create_index('ix_opening_balances_import', 'opening_balances', ['import_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_opening_balances_import', table_name='opening_balances')
    op.drop_column('opening_balances', 'import_id')
    op.drop_index('ix_opening_balance_imports_list', table_name='opening_balance_imports')
    op.drop_table('opening_balance_imports')
