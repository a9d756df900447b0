"""search_at_scale: the customer search at a million customers (issue 21.5): the live
customers by owner (a small deduplicated btree, intersected with the search indexes for
a rep's or a manager's search) and a trigram index on contacts' lowered e-mail (q matches
a contact's e-mail address)

Revision ID: a9d4c2e7f3b1
Revises: a1d2e3f4a5b6
Create Date: 2026-11-30 19:00:00
"""
from alembic import op


revision = 'a9d4c2e7f3b1'
down_revision = 'a1d2e3f4a5b6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS ix_customers_live_owner ON customers (owner_id) WHERE deleted_at IS NULL")
    op.execute("CREATE INDEX IF NOT EXISTS ix_contacts_email_trgm ON contacts USING gin (lower(email) gin_trgm_ops) "
               "WHERE email IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_contacts_email_trgm")
    op.execute("DROP INDEX IF EXISTS ix_customers_live_owner")
