"""Notifications: Notify personalisation, each person's immediate or daily choice, digests.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 21:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notification_frequency', sa.String(length=16), nullable=False, server_default='immediate'))

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('audit_seq', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('personalisation', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('digest_day', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('digest_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_outbox_messages_digest_id_outbox_messages', 'outbox_messages', ['digest_id'], ['id'])
        batch_op.create_unique_constraint('uq_outbox_messages_recipient_id_kind_digest_day', ['recipient_id', 'kind', 'digest_day'])


def downgrade():
    op.execute("DELETE FROM outbox_messages WHERE audit_seq IS NULL")
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint('uq_outbox_messages_recipient_id_kind_digest_day', type_='unique')
        batch_op.drop_constraint('fk_outbox_messages_digest_id_outbox_messages', type_='foreignkey')
        batch_op.drop_column('digest_id')
        batch_op.drop_column('digest_day')
        batch_op.drop_column('personalisation')
        batch_op.alter_column('audit_seq', existing_type=sa.Integer(), nullable=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('notification_frequency')
