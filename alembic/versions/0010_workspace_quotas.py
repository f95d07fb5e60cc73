"""per-workspace quotas (null: the installation's default) and runs waiting for their workspace's turn

Revision ID: 0010
Revises: 0009
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

QUOTAS = ('max_concurrent_runs', 'min_schedule_seconds', 'max_scripts')
ACTIVE = "status IN ('building', 'running')"


def upgrade() -> None:
    for column in QUOTAS:
        op.add_column('workspaces', sa.Column(column, sa.Integer(), nullable=True))
    op.add_column('runs', sa.Column('waiting_since', sa.DateTime(timezone=True), nullable=True))
    # a claim counts its workspace's active runs; the wake-up finds the waiting ones
    op.create_index('ix_runs_workspace_active', 'runs', ['workspace_id'], postgresql_where=sa.text(ACTIVE))
    op.create_index(
        'ix_runs_workspace_waiting', 'runs', ['workspace_id', 'queued_at'],
        postgresql_where=sa.text("waiting_since IS NOT NULL AND status = 'queued'"),
    )


def downgrade() -> None:
    op.drop_index('ix_runs_workspace_waiting', table_name='runs')
    op.drop_index('ix_runs_workspace_active', table_name='runs')
    op.drop_column('runs', 'waiting_since')
    for column in QUOTAS:
        op.drop_column('workspaces', column)
