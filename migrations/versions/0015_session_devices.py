"""Each session's device: the User-Agent its browser sent at sign-in (255 characters at
most), for the person's Your sessions page. Sessions opened before have none.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 10:02:17.518204

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_agent', sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_column('user_agent')
