"""API tokens may expire; browser sessions from before HttpOnly cookies end

Revision ID: 0006
Revises: 0005
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('api_tokens', sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    # Until now the session cookie was set by the page's scripts and readable by them: any session
    # issued then may have been read by a hostile page, so each ends and its user logs in once more.
    op.execute("UPDATE web_sessions SET revoked_at = now() WHERE revoked_at IS NULL")


def downgrade() -> None:
    op.drop_column('api_tokens', 'expires_at')
