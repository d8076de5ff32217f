"""Approved accounts: each approved request's account, its conditions, and the notices
`lifecycle tick` writes.

Requests approved before this migration get their account record, awaiting opening, with
the conditions of every approval on their latest revision, as an approval now writes them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 14:36:06.607989

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('approved_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('status_since', sa.DateTime(), nullable=False),
    sa.Column('approved_at', sa.DateTime(), nullable=False),
    sa.Column('handle', sa.String(length=100), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=True),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('review_due_on', sa.Date(), nullable=True),
    sa.Column('last_reviewed_on', sa.Date(), nullable=True),
    sa.Column('closure_confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('closure_statement', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['access_requests.id'], name=op.f('fk_approved_accounts_request_id_access_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approved_accounts')),
    sa.UniqueConstraint('request_id', name=op.f('uq_approved_accounts_request_id'))
    )
    with op.batch_alter_table('approved_accounts', schema=None) as batch_op:
        batch_op.create_index('ix_approved_accounts_status_ends_on', ['status', 'ends_on'], unique=False)
        batch_op.create_index('ix_approved_accounts_status_review_due_on', ['status', 'review_due_on'], unique=False)

    op.create_table('account_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['approved_accounts.id'], name=op.f('fk_account_notices_account_id_approved_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_notices')),
    sa.UniqueConstraint('account_id', 'kind', 'due_on', name=op.f('uq_account_notices_account_id_kind_due_on'))
    )
    op.create_table('account_conditions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('stage_code', sa.String(length=32), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('evidence', sa.String(length=2000), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['approved_accounts.id'], name=op.f('fk_account_conditions_account_id_approved_accounts')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_account_conditions_confirmed_by_id_users')),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_account_conditions_decision_id_decisions')),
    sa.ForeignKeyConstraint(['stage_code'], ['stages.code'], name=op.f('fk_account_conditions_stage_code_stages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_conditions')),
    sa.UniqueConstraint('account_id', 'number', name=op.f('uq_account_conditions_account_id_number'))
    )
    _backfill()


def _backfill():
    """An account for every approved request, awaiting opening since its last decision."""
    op.execute(
        """
        INSERT INTO approved_accounts (
            request_id, status, status_since, approved_at, handle, url, owner, ends_on,
            closure_statement, version
        )
        SELECT r.id, 'awaiting_opening', d.decided_at, d.decided_at, r.account_handle, '',
               r.senior_responsible_owner, r.end_date, '', 1
        FROM access_requests r
        JOIN (SELECT request_id, MAX(decided_at) AS decided_at FROM decisions
              GROUP BY request_id) d ON d.request_id = r.id
        WHERE r.status = 'approved'
        """
    )
    op.execute(
        """
        INSERT INTO account_conditions (
            account_id, number, text, stage_code, decision_id, evidence
        )
        SELECT a.id, ROW_NUMBER() OVER (PARTITION BY a.id ORDER BY d.id), d.conditions,
               d.stage_code, d.id, ''
        FROM approved_accounts a
        JOIN decisions d ON d.request_id = a.request_id
        JOIN request_revisions v ON v.id = d.revision_id
        WHERE d.outcome = 'approve_with_conditions'
          AND v.number = (SELECT MAX(number) FROM request_revisions
                          WHERE request_id = a.request_id)
        """
    )


def downgrade():
    op.drop_table('account_conditions')
    op.drop_table('account_notices')
    with op.batch_alter_table('approved_accounts', schema=None) as batch_op:
        batch_op.drop_index('ix_approved_accounts_status_review_due_on')
        batch_op.drop_index('ix_approved_accounts_status_ends_on')

    op.drop_table('approved_accounts')
