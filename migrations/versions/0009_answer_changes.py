"""answer changes: per-item revision and the change that wrote it, instead of one writer window per attempt

Revision ID: 0009_answer_changes
Revises: 0008_api_clients
Create Date: 2026-12-07 07:30:00

An attempt in progress during the upgrade keeps its answers: every item already answered (or cleared) or
flagged is marked as written by the change `migrated`/1 at revision 1, so a window must have seen it (the page
loaded after the upgrade) before it may replace it.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_answer_changes'
down_revision = '0008_api_clients'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('paper_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rev', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('changed_by', sa.String(length=32), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('change_seq', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rev', sa.Integer(), nullable=False, server_default='0'))
        batch_op.drop_column('writer')
        batch_op.drop_column('save_seq')
    op.execute("UPDATE paper_items SET rev = 1, changed_by = 'migrated', change_seq = 1 "
               "WHERE answered_at IS NOT NULL OR flagged")
    op.execute("UPDATE attempts SET rev = 1 WHERE id IN (SELECT attempt_id FROM paper_items WHERE rev = 1)")


def downgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('save_seq', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('writer', sa.String(length=32), nullable=False, server_default=''))
        batch_op.drop_column('rev')
    with op.batch_alter_table('paper_items', schema=None) as batch_op:
        batch_op.drop_column('change_seq')
        batch_op.drop_column('changed_by')
        batch_op.drop_column('rev')
