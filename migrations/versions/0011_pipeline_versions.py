"""Versioned pipelines with quorum rules, and delegation.

- pipeline_versions: each platform's pipeline, one row per version; what was there becomes
  version 1 of each platform's.
- pipeline_stages belong to a version, not a platform, with a quorum rule
  (any_one, n_of_m, all_of), the approvals required, and a named set
  (pipeline_stage_approvers).
- access_requests.pipeline_version_id: the version a request was first submitted under;
  every request already submitted was submitted under its platform's version 1.
- decisions.on_behalf_of_id and delegations: cover for an absent approver.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 11:50:00

"""
import sqlalchemy as sa
from alembic import op



# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pipeline_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('platform_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_pipeline_versions_platform_id_platforms')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_pipeline_versions_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pipeline_versions')),
        sa.UniqueConstraint('platform_id', 'number', name=op.f('uq_pipeline_versions_platform_id_number')),
    )
    op.execute(
        "INSERT INTO pipeline_versions (platform_id, number, created_at) "
        "SELECT DISTINCT platform_id, 1, CURRENT_TIMESTAMP FROM pipeline_stages"
    )
    with op.batch_alter_table('pipeline_stages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pipeline_version_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('quorum', sa.String(length=16), nullable=False, server_default='any_one'))
        batch_op.add_column(sa.Column('required_approvals', sa.Integer(), nullable=False, server_default='1'))
    op.execute(
        "UPDATE pipeline_stages SET pipeline_version_id = (SELECT v.id FROM pipeline_versions v "
        "WHERE v.platform_id = pipeline_stages.platform_id)"
    )
    with op.batch_alter_table('pipeline_stages', schema=None) as batch_op:
        batch_op.drop_constraint('uq_pipeline_stages_platform_id_position', type_='unique')
        batch_op.drop_constraint('uq_pipeline_stages_platform_id_stage_code', type_='unique')
        batch_op.drop_constraint('fk_pipeline_stages_platform_id_platforms', type_='foreignkey')
        batch_op.drop_column('platform_id')
        batch_op.alter_column('pipeline_version_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_pipeline_stages_pipeline_version_id_pipeline_versions'),
            'pipeline_versions', ['pipeline_version_id'], ['id'],
        )
        batch_op.create_unique_constraint(
            batch_op.f('uq_pipeline_stages_pipeline_version_id_position'),
            ['pipeline_version_id', 'position'],
        )
        batch_op.create_unique_constraint(
            batch_op.f('uq_pipeline_stages_pipeline_version_id_stage_code'),
            ['pipeline_version_id', 'stage_code'],
        )
        batch_op.create_check_constraint('required_at_least_one', 'required_approvals >= 1')
    op.create_table(
        'pipeline_stage_approvers',
        sa.Column('pipeline_stage_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['pipeline_stage_id'], ['pipeline_stages.id'], name=op.f('fk_pipeline_stage_approvers_pipeline_stage_id_pipeline_stages')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_pipeline_stage_approvers_user_id_users')),
        sa.PrimaryKeyConstraint('pipeline_stage_id', 'user_id', name=op.f('pk_pipeline_stage_approvers')),
    )
    with op.batch_alter_table('access_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pipeline_version_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_access_requests_pipeline_version_id_pipeline_versions'),
            'pipeline_versions', ['pipeline_version_id'], ['id'],
        )
    op.execute(
        "UPDATE access_requests SET pipeline_version_id = (SELECT v.id FROM pipeline_versions v "
        "WHERE v.platform_id = access_requests.platform_id AND v.number = 1) "
        "WHERE EXISTS (SELECT 1 FROM request_revisions r WHERE r.request_id = access_requests.id)"
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_behalf_of_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_decisions_on_behalf_of_id_users'), 'users', ['on_behalf_of_id'], ['id']
        )
    op.create_table(
        'delegations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('delegator_id', sa.Integer(), nullable=False),
        sa.Column('delegate_id', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('ended_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_delegations_ends_after_start')),
        sa.CheckConstraint('delegate_id <> delegator_id', name=op.f('ck_delegations_not_to_oneself')),
        sa.ForeignKeyConstraint(['delegator_id'], ['users.id'], name=op.f('fk_delegations_delegator_id_users')),
        sa.ForeignKeyConstraint(['delegate_id'], ['users.id'], name=op.f('fk_delegations_delegate_id_users')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_delegations_created_by_id_users')),
        sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'], name=op.f('fk_delegations_ended_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delegations')),
    )
    op.create_index(op.f('ix_delegations_delegator_id'), 'delegations', ['delegator_id'])
    op.create_index('ix_delegations_delegate_id_ends_on', 'delegations', ['delegate_id', 'ends_on'])


def downgrade():
    op.drop_index('ix_delegations_delegate_id_ends_on', table_name='delegations')
    op.drop_index(op.f('ix_delegations_delegator_id'), table_name='delegations')
    op.drop_table('delegations')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_decisions_on_behalf_of_id_users', type_='foreignkey')
        batch_op.drop_column('on_behalf_of_id')
    with op.batch_alter_table('access_requests', schema=None) as batch_op:
        batch_op.drop_constraint('fk_access_requests_pipeline_version_id_pipeline_versions', type_='foreignkey')
        batch_op.drop_column('pipeline_version_id')
    op.drop_table('pipeline_stage_approvers')
    # Each platform keeps its latest version's stages.
    with op.batch_alter_table('pipeline_stages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('platform_id', sa.Integer(), nullable=True))
    op.execute(
        "DELETE FROM pipeline_stages WHERE pipeline_version_id NOT IN (SELECT v.id FROM "
        "pipeline_versions v WHERE v.number = (SELECT max(w.number) FROM pipeline_versions w "
        "WHERE w.platform_id = v.platform_id))"
    )
    op.execute(
        "UPDATE pipeline_stages SET platform_id = (SELECT v.platform_id FROM pipeline_versions v "
        "WHERE v.id = pipeline_stages.pipeline_version_id)"
    )
    with op.batch_alter_table('pipeline_stages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_pipeline_stages_required_at_least_one'), type_='check')
        batch_op.drop_constraint('uq_pipeline_stages_pipeline_version_id_stage_code', type_='unique')
        batch_op.drop_constraint('uq_pipeline_stages_pipeline_version_id_position', type_='unique')
        batch_op.drop_constraint('fk_pipeline_stages_pipeline_version_id_pipeline_versions', type_='foreignkey')
        batch_op.drop_column('pipeline_version_id')
        batch_op.drop_column('required_approvals')
        batch_op.drop_column('quorum')
        batch_op.alter_column('platform_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key('fk_pipeline_stages_platform_id_platforms', 'platforms', ['platform_id'], ['id'])
        batch_op.create_unique_constraint('uq_pipeline_stages_platform_id_position', ['platform_id', 'position'])
        batch_op.create_unique_constraint('uq_pipeline_stages_platform_id_stage_code', ['platform_id', 'stage_code'])
    op.drop_table('pipeline_versions')
