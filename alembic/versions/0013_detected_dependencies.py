"""packages a version's code imports without declaring them, pinned (import detection)

Revision ID: 0013
Revises: 0012
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: Union[str, Sequence[str], None] = "0012"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # beside `dependencies` rather than in it: what the person declared stays what they declared, and
    # the hash and the build cover both (ScriptVersion.installed_dependencies)
    op.add_column(
        "script_versions",
        sa.Column(
            "detected_dependencies",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("script_versions", "detected_dependencies")
