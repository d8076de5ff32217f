"""Changes to an approved account (its handle, owner or purpose) through the platform's change
pipeline: the changes and their decisions, each account's purpose, each platform's change
pipeline (Security alone, as every platform starts with).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 15:11:51.441030

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('pipeline', sa.JSON(), nullable=False),
    sa.Column('current_stage', sa.String(length=32), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=False),
    sa.Column('filed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['approved_accounts.id'], name=op.f('fk_account_changes_account_id_approved_accounts')),
    sa.ForeignKeyConstraint(['current_stage'], ['stages.code'], name=op.f('fk_account_changes_current_stage_stages')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'], name=op.f('fk_account_changes_filed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_changes')),
    sa.UniqueConstraint('account_id', 'number', name=op.f('uq_account_changes_account_id_number'))
    )
    op.create_table('account_change_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_id', sa.Integer(), nullable=False),
    sa.Column('stage_code', sa.String(length=32), nullable=False),
    sa.Column('approver_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['approver_id'], ['users.id'], name=op.f('fk_account_change_decisions_approver_id_users')),
    sa.ForeignKeyConstraint(['change_id'], ['account_changes.id'], name=op.f('fk_account_change_decisions_change_id_account_changes')),
    sa.ForeignKeyConstraint(['stage_code'], ['stages.code'], name=op.f('fk_account_change_decisions_stage_code_stages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_change_decisions'))
    )
    with op.batch_alter_table('account_change_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_change_decisions_change_id'), ['change_id'], unique=False)

    with op.batch_alter_table('approved_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose', sa.Text(), nullable=False, server_default=''))

    with op.batch_alter_table('platforms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('change_pipeline', sa.JSON(), nullable=False, server_default='["security"]'))



    # Each account's purpose is its request's, as a new account's is.
    op.execute(
        "UPDATE approved_accounts SET purpose = (SELECT purpose FROM access_requests "
        "WHERE access_requests.id = approved_accounts.request_id)"
    )


def downgrade():
    with op.batch_alter_table('platforms', schema=None) as batch_op:
        batch_op.drop_column('change_pipeline')

    with op.batch_alter_table('approved_accounts', schema=None) as batch_op:
        batch_op.drop_column('purpose')

    with op.batch_alter_table('account_change_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_change_decisions_change_id'))

    op.drop_table('account_change_decisions')
    op.drop_table('account_changes')
