"""A department's lists read one page of rows: indexes on (department_id, id) and
(department_id, updated_at, id), in place of department_id's own.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 23:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('access_requests', schema=None) as batch_op:
        batch_op.create_index('ix_access_requests_department_id_id', ['department_id', 'id'], unique=False)
        batch_op.create_index('ix_access_requests_department_id_updated_at_id', ['department_id', 'updated_at', 'id'], unique=False)
        batch_op.drop_index('ix_access_requests_department_id')


def downgrade():
    with op.batch_alter_table('access_requests', schema=None) as batch_op:
        batch_op.create_index('ix_access_requests_department_id', ['department_id'], unique=False)
        batch_op.drop_index('ix_access_requests_department_id_updated_at_id')
        batch_op.drop_index('ix_access_requests_department_id_id')
