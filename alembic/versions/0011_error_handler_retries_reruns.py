"""a workspace's error-handler script, per-script retries, and runs that repeat another (rerun, retry)

Revision ID: 0011
Revises: 0010
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # a table of its own rather than a column on workspaces: scripts already point at workspaces
    op.create_table(
        'error_handlers',
        sa.Column('workspace_id', sa.Uuid(), nullable=False),
        sa.Column('script_id', sa.Uuid(), nullable=False),
        sa.Column('set_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['script_id'], ['scripts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('workspace_id'),
    )
    op.add_column('scripts', sa.Column('retry_count', sa.Integer(), server_default='0', nullable=False))
    op.add_column('scripts', sa.Column('retry_backoff_seconds', sa.Integer(), server_default='60', nullable=False))
    op.add_column('runs', sa.Column('attempt', sa.Integer(), server_default='1', nullable=False))
    op.add_column('runs', sa.Column('may_retry', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('runs', sa.Column('not_before', sa.DateTime(timezone=True), nullable=True))
    for column in ('rerun_of', 'retry_of'):
        op.add_column('runs', sa.Column(column, sa.Uuid(), nullable=True))
        op.create_foreign_key(f'runs_{column}_fkey', 'runs', 'runs', [column], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    for column in ('retry_of', 'rerun_of'):
        op.drop_constraint(f'runs_{column}_fkey', 'runs', type_='foreignkey')
        op.drop_column('runs', column)
    op.drop_column('runs', 'not_before')
    op.drop_column('runs', 'may_retry')
    op.drop_column('runs', 'attempt')
    op.drop_column('scripts', 'retry_backoff_seconds')
    op.drop_column('scripts', 'retry_count')
    op.drop_table('error_handlers')
