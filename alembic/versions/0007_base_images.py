"""base image catalog that workers publish, so the web process needs no Docker Engine

Revision ID: 0007
Revises: 0006
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Empty until a worker starts: saving then says "start a worker" (or settings pin the digests).
    op.create_table(
        'base_images',
        sa.Column('runtime', sa.Text(), nullable=False),
        sa.Column('image', sa.Text(), nullable=False),
        sa.Column('digest', sa.Text(), nullable=False),
        sa.Column('runner_digest', sa.Text(), nullable=False),
        sa.Column('worker', sa.Text(), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('runtime'),
    )


def downgrade() -> None:
    op.drop_table('base_images')
