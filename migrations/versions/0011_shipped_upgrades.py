"""shipped upgrades: which versions and lessons the shipped-content loader wrote

Revision ID: 0011_shipped_upgrades
Revises: 0010_question_identity
Create Date: 2026-12-08 09:00:00

`flask demo` upgrades the shipped banks and lessons it loaded, unless a trainer has edited them
(docs/shipped-content.md). It recognises its own content by `question_versions.shipped` and by
`lessons.shipped_file`/`shipped_sha256`. This revision marks what an earlier `flask demo` loaded and nobody has
changed since, so the first upgrade of such a database knows it too (`mark_demo_content`). Papers, answers and
scores are not touched.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_shipped_upgrades'
down_revision = '0010_question_identity'
branch_labels = None
depends_on = None

DEMO_IP = "demo"  # the address `flask demo` writes in the audit log


def upgrade():
    with op.batch_alter_table('question_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shipped', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shipped_file', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('shipped_sha256', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_lessons_course_id_shipped_file'),
                                          ['course_id', 'shipped_file'])
    mark_demo_content(op.get_bind())


def _loaded_by_demo(connection, action: str, table: str) -> set[int]:
    """The rows whose creation the audit log shows `flask demo` did."""
    events = sa.table("audit_events", sa.column("action", sa.String), sa.column("ip", sa.String),
                      sa.column("target_type", sa.String), sa.column("target_id", sa.String))
    found = connection.execute(sa.select(events.c.target_id).where(
        events.c.action == action, events.c.ip == DEMO_IP, events.c.target_type == table)).scalars()
    return {int(target) for target in found if target and target.isdigit()}


def mark_demo_content(connection) -> None:
    """What `flask demo` loaded before this revision and nobody has changed since, marked as the loader's.

    - A question version: the first version of a question of a bank the demo created, written by no one (the
      loader acts as the system) at the moment the bank was created (the loader filled it in the same step).
      A trainer's edit is a later version, a command-line import into the bank a later moment.
    - A lesson: created by the demo and never updated (`update_lesson` moves `updated_at`; moving a lesson
      does not). Its hash is that of its text now; the loader links it to its file by title on its next run.
    """
    from app.courses.shipped import lesson_hash

    banks = _loaded_by_demo(connection, "bank.created", "banks")
    if banks:
        versions = sa.table("question_versions", sa.column("id", sa.Integer), sa.column("question_id", sa.Integer),
                            sa.column("number", sa.Integer), sa.column("created_by_id", sa.Integer),
                            sa.column("created_at", sa.DateTime), sa.column("shipped", sa.Boolean))
        questions = sa.table("questions", sa.column("id", sa.Integer), sa.column("bank_id", sa.Integer))
        bank_table = sa.table("banks", sa.column("id", sa.Integer), sa.column("created_at", sa.DateTime))
        loaded = (sa.select(versions.c.id)
                  .select_from(versions.join(questions, questions.c.id == versions.c.question_id)
                               .join(bank_table, bank_table.c.id == questions.c.bank_id))
                  .where(bank_table.c.id.in_(banks), versions.c.number == 1, versions.c.created_by_id.is_(None),
                         versions.c.created_at == bank_table.c.created_at))
        ids = connection.execute(loaded).scalars().all()
        for start in range(0, len(ids), 500):
            connection.execute(sa.update(versions).where(versions.c.id.in_(ids[start:start + 500]))
                               .values(shipped=True))
    lesson_ids = _loaded_by_demo(connection, "lesson.created", "lessons")
    if lesson_ids:
        lessons = sa.table("lessons", sa.column("id", sa.Integer), sa.column("title", sa.String),
                           sa.column("body", sa.Text), sa.column("created_at", sa.DateTime),
                           sa.column("updated_at", sa.DateTime), sa.column("shipped_sha256", sa.String))
        unchanged = connection.execute(sa.select(lessons.c.id, lessons.c.title, lessons.c.body).where(
            lessons.c.id.in_(lesson_ids), lessons.c.updated_at == lessons.c.created_at)).all()
        if unchanged:
            connection.execute(
                sa.update(lessons).where(lessons.c.id == sa.bindparam("lesson_id"))
                .values(shipped_sha256=sa.bindparam("digest")),
                [{"lesson_id": lesson_id, "digest": lesson_hash(title, body or "")}
                 for lesson_id, title, body in unchanged])


def downgrade():
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_lessons_course_id_shipped_file'), type_='unique')
        batch_op.drop_column('shipped_sha256')
        batch_op.drop_column('shipped_file')
    with op.batch_alter_table('question_versions', schema=None) as batch_op:
        batch_op.drop_column('shipped')
