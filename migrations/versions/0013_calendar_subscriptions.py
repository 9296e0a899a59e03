"""calendar subscriptions: secret feed links (hashed), session revisions, cancelled events

Revision ID: 0013_calendar_subscriptions
Revises: 0012_question_type_registry
Create Date: 2026-12-07 23:00:00

Each training session gets `revision` and `updated_at` (the .ics SEQUENCE and LAST-MODIFIED); existing
sessions start at revision 0, last modified when they were created. `calendar_tokens` holds the SHA-256 of
each person's subscription token, `calendar_cancellations` what a person's feed must still send as cancelled.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_calendar_subscriptions'
down_revision = '0012_question_type_registry'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE training_sessions SET updated_at = created_at")
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(timezone=True), nullable=False)

    op.create_table('calendar_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_tokens_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_tokens_token_hash')),
    sa.UniqueConstraint('user_id', name=op.f('uq_calendar_tokens_user_id'))
    )
    op.create_table('calendar_cancellations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('slot', sa.String(length=8), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('location', sa.String(length=100), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("slot IN ('am', 'pm', 'full')", name=op.f('ck_calendar_cancellations_known_slot')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_cancellations_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_cancellations')),
    sa.UniqueConstraint('user_id', 'session_id', name=op.f('uq_calendar_cancellations_user_id_session_id'))
    )
    with op.batch_alter_table('calendar_cancellations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_cancellations_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_cancellations_session_id'), ['session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('calendar_cancellations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_cancellations_session_id'))
        batch_op.drop_index(batch_op.f('ix_calendar_cancellations_day'))
    op.drop_table('calendar_cancellations')
    op.drop_table('calendar_tokens')
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('revision')
