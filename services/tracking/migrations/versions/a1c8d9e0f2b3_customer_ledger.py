"""rm_customer_ledger: per customer invoiced and paid with the customer's owner and region,
kept by the projections (services/tracking/ledger.py); filled here from the detail rows

Revision ID: a1c8d9e0f2b3
Revises: f9a6b7c8d0e1
Create Date: 2026-11-30 12:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'a1c8d9e0f2b3'
down_revision = 'f9a6b7c8d0e1'
branch_labels = None
depends_on = None

# as services/tracking/ledger.py FROM_DETAILS was at this revision
FROM_DETAILS = """
INSERT INTO rm_customer_ledger (customer_id, owner_id, region, invoiced, paid, negative_invoices)
SELECT a.customer_id, c.owner_id, c.region, a.invoiced, a.paid, a.negative_invoices
FROM (SELECT customer_id, sum(invoiced) AS invoiced, sum(paid) AS paid,
             count(*) FILTER (WHERE invoiced < 0) AS negative_invoices
      FROM (SELECT customer_id, amount AS invoiced, CAST(NULL AS numeric) AS paid FROM rm_invoices
            WHERE status <> 'void'
            UNION ALL SELECT customer_id, NULL, amount_cny FROM rm_payments) x
      GROUP BY customer_id) a
LEFT JOIN rm_customers c ON c.customer_id = a.customer_id
"""


def upgrade() -> None:
    op.create_table(
        'rm_customer_ledger',
        sa.Column('customer_id', sa.String(length=36), primary_key=True),
        sa.Column('owner_id', sa.String(length=36), nullable=True),
        sa.Column('region', sa.String(length=40), nullable=True),
        sa.Column('invoiced', sa.Numeric(18, 2), nullable=True),
        sa.Column('paid', sa.Numeric(18, 2), nullable=True),
        sa.Column('negative_invoices', sa.Integer, nullable=False, server_default='0'),
    )
    op.create_index('ix_rm_customer_ledger_owner', 'rm_customer_ledger', ['owner_id'],
                    postgresql_include=['region', 'invoiced', 'paid'])
    op.execute(FROM_DETAILS)


def downgrade() -> None:
    op.drop_table('rm_customer_ledger')
