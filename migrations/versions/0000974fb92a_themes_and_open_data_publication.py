"""Themes, open-data publication and members' consent to be named

Revision ID: 0000974fb92a
Revises: cf9169d365dd
Create Date: 2026-11-22 02:55:21.445365

"""
from alembic import op
import sqlalchemy as sa

import incubator.models


# revision identifiers, used by Alembic.
revision = '0000974fb92a'
down_revision = 'cf9169d365dd'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('project_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_public', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('theme', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('published_at', incubator.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('published_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('public_summary', sa.Text(), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_projects_published_at'), ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_theme'), ['theme'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_projects_published_by_id_users'), 'users', ['published_by_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_projects_published_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_projects_theme'))
        batch_op.drop_index(batch_op.f('ix_projects_published_at'))
        batch_op.drop_column('public_summary')
        batch_op.drop_column('published_by_id')
        batch_op.drop_column('published_at')
        batch_op.drop_column('theme')

    with op.batch_alter_table('project_members', schema=None) as batch_op:
        batch_op.drop_column('name_public')

