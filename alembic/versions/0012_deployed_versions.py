"""deployed versions: the version triggers run, why a newer one is not live, and drafts

Revision ID: 0012
Revises: 0011
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('scripts', sa.Column('deployed_version', sa.Integer(), nullable=True))
    op.add_column('scripts', sa.Column('deploy_error', sa.Text(), nullable=True))
    op.add_column('script_versions', sa.Column('draft', sa.Boolean(), server_default=sa.false(), nullable=False))
    # Until now the current version was the one triggers ran: it stays live.
    op.execute('UPDATE scripts SET deployed_version = current_version')


def downgrade() -> None:
    op.drop_column('script_versions', 'draft')
    op.drop_column('scripts', 'deploy_error')
    op.drop_column('scripts', 'deployed_version')
