"""documents (files in a BlobStore, their records here) and the copy of which customer each
sales record belongs to (related_records)

Revision ID: d7b2e4c81a3f
Revises: 088f6ca691aa
Create Date: 2026-11-30 11:29:39.938937
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'd7b2e4c81a3f'
down_revision = '088f6ca691aa'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('related_records',
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('record_type', sa.String(length=30), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=True),
    sa.PrimaryKeyConstraint('record_id')
    )
    op.create_table('documents',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=True),
    sa.Column('related_type', sa.String(length=30), nullable=True),
    sa.Column('related_id', sa.String(length=36), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=300), nullable=False),
    sa.Column('tags', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('uploaded_by', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_by', sa.String(length=36), nullable=True),
    sa.CheckConstraint('(related_type IS NULL) = (related_id IS NULL)', name='ck_documents_related_pair'),
    sa.CheckConstraint('related_id IS NULL OR customer_id IS NOT NULL', name='ck_documents_related_customer'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_documents_created', 'documents', [sa.literal_column('created_at DESC'), sa.literal_column('id DESC')], unique=False)
    op.create_index('ix_documents_customer_created', 'documents', ['customer_id', sa.literal_column('created_at DESC'), sa.literal_column('id DESC')], unique=False)
    op.create_index('ix_documents_kb_created', 'documents', [sa.literal_column('created_at DESC'), sa.literal_column('id DESC')], unique=False, postgresql_where=sa.text('customer_id IS NULL'))
    op.create_index('ix_documents_related', 'documents', ['related_id', sa.literal_column('created_at DESC')], unique=False)
    op.create_index('ix_documents_search_trgm', 'documents', ['search_text'], unique=False, postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})
    op.create_index('ix_documents_tags', 'documents', ['tags'], unique=False, postgresql_using='gin')


def downgrade() -> None:
    op.drop_index('ix_documents_tags', table_name='documents', postgresql_using='gin')
    op.drop_index('ix_documents_search_trgm', table_name='documents', postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})
    op.drop_index('ix_documents_related', table_name='documents')
    op.drop_index('ix_documents_kb_created', table_name='documents', postgresql_where=sa.text('customer_id IS NULL'))
    op.drop_index('ix_documents_customer_created', table_name='documents')
    op.drop_index('ix_documents_created', table_name='documents')
    op.drop_table('documents')
    op.drop_table('related_records')
