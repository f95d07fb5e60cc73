"""teams: workspaces with members and roles, invitations, disabled users; scripts, runs and secrets
belong to a workspace

Existing data is carried forward: every user gets a personal workspace (its admin); a script or run
goes to its owner's, and what had no owner, and every secret, to the first admin's (the earliest
installation admin, else the earliest user). An installation with data but no user yet gets a
workspace "default", which the first admin to be created joins (app.services.users.ensure_admin).

Revision ID: 0008
Revises: 0007
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('users', sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'workspaces',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('slug', sa.Text(), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('personal_of', sa.Uuid(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['personal_of'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('slug'),
        sa.UniqueConstraint('personal_of'),
    )
    op.create_table(
        'memberships',
        sa.Column('workspace_id', sa.Uuid(), nullable=False),
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('role', sa.String(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('workspace_id', 'user_id'),
    )
    op.create_index('ix_memberships_user_id', 'memberships', ['user_id'])
    op.create_table(
        'invitations',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('token_hash', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_invitations_user_id', 'invitations', ['user_id'])

    # a personal workspace per user, slug from the email's local part, made unique by its id
    op.execute("""
        INSERT INTO workspaces (id, slug, name, personal_of, created_at)
        SELECT gen_random_uuid(),
               COALESCE(NULLIF(trim(both '-' from left(trim(both '-' from
                   regexp_replace(lower(split_part(email, '@', 1)), '[^a-z0-9]+', '-', 'g')), 30)), ''), 'user')
                 || '-' || left(replace(id::text, '-', ''), 6),
               email, id, now()
        FROM users
    """)
    op.execute("""
        INSERT INTO memberships (workspace_id, user_id, role, created_at)
        SELECT id, personal_of, 'admin', now() FROM workspaces WHERE personal_of IS NOT NULL
    """)
    # where unowned rows and secrets go
    op.execute("""
        CREATE TEMP TABLE first_workspace ON COMMIT DROP AS
        SELECT w.id FROM workspaces w JOIN users u ON u.id = w.personal_of
        ORDER BY u.is_admin DESC, u.created_at, u.id LIMIT 1
    """)
    op.execute("""
        INSERT INTO workspaces (id, slug, name, personal_of, created_at)
        SELECT gen_random_uuid(), 'default', 'Default', NULL, now()
        WHERE NOT EXISTS (SELECT 1 FROM first_workspace)
          AND (EXISTS (SELECT 1 FROM scripts) OR EXISTS (SELECT 1 FROM runs) OR EXISTS (SELECT 1 FROM secrets))
    """)
    op.execute("INSERT INTO first_workspace SELECT id FROM workspaces WHERE slug = 'default' AND personal_of IS NULL")

    for table in ('scripts', 'runs'):
        op.add_column(table, sa.Column('workspace_id', sa.Uuid(), nullable=True))
    op.execute("""
        UPDATE scripts s SET workspace_id = COALESCE(
            (SELECT w.id FROM workspaces w WHERE w.personal_of = s.owner_id),
            (SELECT id FROM first_workspace))
    """)
    op.execute("""
        UPDATE runs r SET workspace_id = COALESCE(
            (SELECT s.workspace_id FROM scripts s WHERE s.id = r.script_id),
            (SELECT w.id FROM workspaces w WHERE w.personal_of = r.owner_id),
            (SELECT id FROM first_workspace))
    """)
    op.add_column('secrets', sa.Column('workspace_id', sa.Uuid(), nullable=True))
    op.execute("UPDATE secrets SET workspace_id = (SELECT id FROM first_workspace)")

    for table in ('scripts', 'runs', 'secrets'):
        op.alter_column(table, 'workspace_id', nullable=False)
        op.create_foreign_key(f'{table}_workspace_id_fkey', table, 'workspaces', ['workspace_id'], ['id'], ondelete='CASCADE')
    op.create_index('ix_scripts_workspace_id', 'scripts', ['workspace_id'])
    op.create_index('ix_runs_workspace_id', 'runs', ['workspace_id'])
    op.drop_constraint('secrets_name_key', 'secrets', type_='unique')
    op.create_unique_constraint('uq_secrets_workspace_name', 'secrets', ['workspace_id', 'name'])

    # a script or run outlives the user who made it: it belongs to the workspace now
    for table in ('scripts', 'runs'):
        op.drop_constraint(f'{table}_owner_id_fkey', table, type_='foreignkey')
        op.create_foreign_key(f'{table}_owner_id_fkey', table, 'users', ['owner_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    for table in ('scripts', 'runs'):
        op.drop_constraint(f'{table}_owner_id_fkey', table, type_='foreignkey')
        op.create_foreign_key(f'{table}_owner_id_fkey', table, 'users', ['owner_id'], ['id'], ondelete='CASCADE')
    op.drop_constraint('uq_secrets_workspace_name', 'secrets', type_='unique')
    op.create_unique_constraint('secrets_name_key', 'secrets', ['name'])
    op.drop_index('ix_runs_workspace_id', table_name='runs')
    op.drop_index('ix_scripts_workspace_id', table_name='scripts')
    for table in ('scripts', 'runs', 'secrets'):
        op.drop_constraint(f'{table}_workspace_id_fkey', table, type_='foreignkey')
        op.drop_column(table, 'workspace_id')
    op.drop_table('invitations')
    op.drop_table('memberships')
    op.drop_table('workspaces')
    op.drop_column('users', 'disabled_at')
