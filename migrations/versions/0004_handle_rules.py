"""Handle rules: what each platform's account handles may hold, and TikTok's.

A platform with a rule takes handles of at most `handle_max_length` characters (an @ at
the start not counted) of letters a to z, digits and `handle_punctuation`; a platform
without one (`handle_max_length` null) takes any handle up to app.rules.content.HANDLE_MAX.
An installation that already has TikTok gets its rule here, as app.seed.reference gives
it to a new one: 24 characters, underscores and full stops.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08 10:12:31.504217

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

platforms = sa.table(
    'platforms',
    sa.column('name', sa.String),
    sa.column('handle_max_length', sa.Integer),
    sa.column('handle_punctuation', sa.String),
)


def upgrade():
    with op.batch_alter_table('platforms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handle_max_length', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('handle_punctuation', sa.String(length=20), nullable=False, server_default=''))

    op.execute(
        platforms.update()
        .where(platforms.c.name == 'TikTok')
        .values(handle_max_length=24, handle_punctuation='_.')
    )


def downgrade():
    with op.batch_alter_table('platforms', schema=None) as batch_op:
        batch_op.drop_column('handle_punctuation')
        batch_op.drop_column('handle_max_length')
