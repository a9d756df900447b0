"""product imports as background jobs (file kept until done, claim and heartbeat) and their
undo (what each import created or changed, with the prior values)

Revision ID: b8e4c2d6f1a9
Revises: a7d3e5f10b2c
Create Date: 2026-11-30 18:40:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 'b8e4c2d6f1a9'
down_revision = 'a7d3e5f10b2c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('product_imports', sa.Column('content', sa.LargeBinary(), nullable=True))
    op.add_column('product_imports', sa.Column('mapping', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column('product_imports', sa.Column('may_set_prices', sa.Boolean(), server_default=sa.false(),
                                               nullable=False))
    op.add_column('product_imports', sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
    op.add_column('product_imports', sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('product_imports', sa.Column('message', sa.Text(), nullable=True))
    op.add_column('product_imports', sa.Column('correlation_id', sa.String(length=64), nullable=True))
    op.add_column('product_imports', sa.Column('error_count', sa.Integer(), server_default='0', nullable=False))
    op.add_column('product_imports', sa.Column('undone', sa.Integer(), nullable=True))
    op.add_column('product_imports', sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE product_imports SET error_count = jsonb_array_length(errors)")
    op.create_index('ix_product_imports_queue', 'product_imports', ['status', 'created_at'], unique=False)
    op.create_index('ix_product_imports_created', 'product_imports', [sa.text('created_at DESC'), sa.text('id DESC')],
                    unique=False)
    op.create_table(
        'product_import_changes',
        sa.Column('job_id', sa.String(length=36), nullable=False),
        sa.Column('product_id', sa.String(length=36), nullable=False),
        sa.Column('action', sa.String(length=10), nullable=False),
        sa.Column('prior', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.ForeignKeyConstraint(['job_id'], ['product_imports.id']),
        sa.PrimaryKeyConstraint('job_id', 'product_id'),
    )


def downgrade() -> None:
    op.drop_table('product_import_changes')
    op.drop_index('ix_product_imports_created', table_name='product_imports')
    op.drop_index('ix_product_imports_queue', table_name='product_imports')
    for column in ('undone_at', 'undone', 'error_count', 'correlation_id', 'message', 'heartbeat_at', 'attempts',
                   'may_set_prices', 'mapping', 'content'):
        op.drop_column('product_imports', column)
