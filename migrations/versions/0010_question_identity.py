"""question identity: stable IDs per course, the letter rule, identities recomputed

Revision ID: 0010_question_identity
Revises: 0009_answer_changes
Create Date: 2026-12-07 07:14:04.782246

Every version's `fingerprint` becomes its identity across the banks of a course (text, options in any
order and picture: app.banks.identity), and `keep_option_order` is set where the text names options by
letter or points at other options (app.banks.letters). Both are recomputed from the stored text with the
app's own pure functions; papers, answers and scores are not touched.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_question_identity'
down_revision = '0009_answer_changes'
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade():
    op.create_table('question_external_ids',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_question_external_ids_course_id_courses')),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_question_external_ids_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('question_id', name=op.f('pk_question_external_ids')),
    sa.UniqueConstraint('course_id', 'external_id', name=op.f('uq_question_external_ids_course_id_external_id'))
    )
    with op.batch_alter_table('question_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('keep_option_order', sa.Boolean(), server_default=sa.false(), nullable=False))
    recompute_versions(op.get_bind())


def _versions_table():
    return sa.table("question_versions", sa.column("id", sa.Integer), sa.column("type", sa.String),
                    sa.column("stem", sa.Text), sa.column("options", sa.JSON), sa.column("explanation", sa.Text),
                    sa.column("image_id", sa.Integer), sa.column("fingerprint", sa.String),
                    sa.column("keep_option_order", sa.Boolean))


def recompute_versions(connection) -> None:
    """Identity and letter rule of every stored version, from its text (in batches, one UPDATE each)."""
    from app.banks.identity import content_identity
    from app.banks.letters import must_keep_order

    _recompute(connection, lambda kind, stem, options, explanation, sha256: {
        "identity": content_identity(stem, options, sha256),
        "keep": must_keep_order(kind, stem, options, explanation)})


def _recompute(connection, compute) -> None:
    versions = _versions_table()
    images = sa.table("images", sa.column("id", sa.Integer), sa.column("sha256", sa.String))
    query = (sa.select(versions.c.id, versions.c.type, versions.c.stem, versions.c.options, versions.c.explanation,
                       images.c.sha256)
             .select_from(versions.outerjoin(images, images.c.id == versions.c.image_id)).order_by(versions.c.id))
    has_keep = "keep_option_order" in {c["name"] for c in sa.inspect(connection).get_columns("question_versions")}
    values = {"fingerprint": sa.bindparam("identity")}
    if has_keep:
        values["keep_option_order"] = sa.bindparam("keep")
    update = sa.update(versions).where(versions.c.id == sa.bindparam("version_id")).values(**values)
    last = 0
    while True:
        rows = connection.execute(query.where(versions.c.id > last).limit(BATCH)).all()
        if not rows:
            return
        connection.execute(update, [
            {"version_id": version_id, "keep": False,
             **compute(kind, stem or "", options or [], explanation or "", sha256)}
            for version_id, kind, stem, options, explanation, sha256 in rows])
        last = rows[-1][0]


def _fingerprint_0003(kind, stem, options, explanation, sha256) -> dict:
    """The fingerprint as revisions before this one computed it: type, stem and options in order."""
    import hashlib
    import re
    import unicodedata

    blank = re.compile(r"[_＿]{4,}|[(（][ \t\u3000\u00a0]*[)）]")

    def key(text):
        text = unicodedata.normalize("NFKC", blank.sub(" ", text or "")).casefold()
        return re.sub(r"[\W_]+", "", text)

    parts = [str(kind), key(stem), *(key(option) for option in options)]
    return {"identity": hashlib.sha256("\x1f".join(parts).encode()).hexdigest()}


def downgrade():
    with op.batch_alter_table('question_versions', schema=None) as batch_op:
        batch_op.drop_column('keep_option_order')
    _recompute(op.get_bind(), _fingerprint_0003)

    op.drop_table('question_external_ids')
