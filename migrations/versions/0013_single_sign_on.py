"""Single sign-on: the states and ID token nonces already used, and the roles that must sign in with it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 15:01:28.293514

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('role_sign_in_policies',
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('sso_required', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('role', name=op.f('pk_role_sign_in_policies'))
    )
    op.create_table('used_sso_values',
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'digest', name=op.f('pk_used_sso_values'))
    )


def downgrade():
    op.drop_table('used_sso_values')
    op.drop_table('role_sign_in_policies')
