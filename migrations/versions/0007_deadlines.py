"""Working-day deadlines: each stage's target, its lead, and the reminders sent once.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 21:45:00

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pipeline_stages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_working_days', sa.Integer(), nullable=False, server_default='5'))
        batch_op.create_check_constraint('target_at_least_one', 'target_working_days >= 1')

    with op.batch_alter_table('user_stages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lead', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('access_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stage_started_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('stage_due_on', sa.Date(), nullable=True))

    # Requests already waiting: their stage's clock starts now, when deadlines are switched
    # on (nobody was late under a rule that did not exist yet). `flask sla tick` works out
    # their due dates on its first run (docs/deadlines.md).
    op.execute(
        sa.text(
            "UPDATE access_requests SET stage_started_at = :now "
            "WHERE status = 'in_review' AND current_stage IS NOT NULL"
        ).bindparams(now=datetime.now(UTC).replace(tzinfo=None))
    )

    op.create_table('deadline_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('stage_code', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('audit_seq', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['access_requests.id'], name=op.f('fk_deadline_notices_request_id_access_requests')),
    sa.ForeignKeyConstraint(['stage_code'], ['stages.code'], name=op.f('fk_deadline_notices_stage_code_stages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_notices')),
    sa.UniqueConstraint('request_id', 'revision', 'stage_code', 'kind', name=op.f('uq_deadline_notices_request_id_revision_stage_code_kind'))
    )


def downgrade():
    op.drop_table('deadline_notices')

    with op.batch_alter_table('access_requests', schema=None) as batch_op:
        batch_op.drop_column('stage_due_on')
        batch_op.drop_column('stage_started_at')

    with op.batch_alter_table('user_stages', schema=None) as batch_op:
        batch_op.drop_column('lead')

    with op.batch_alter_table('pipeline_stages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_pipeline_stages_target_at_least_one'), type_='check')
        batch_op.drop_column('target_working_days')
