"""question types from the registry: the CHECK on the type columns dropped

Revision ID: 0012_question_type_registry
Revises: 0011_shipped_upgrades
Create Date: 2026-12-07 15:00:00

`question_versions.type` and `blueprint_rules.type` were held to the five built-in codes by a CHECK
constraint. A type registered beside them (app.banks.registry) must be storable without a migration, and a
database constraint cannot ask the registry; so the models validate the column through the registry instead
(`@validates("type")`), and the constraint goes. Existing rows are not touched.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012_question_type_registry'
down_revision = '0011_shipped_upgrades'
branch_labels = None
depends_on = None

BUILT_IN = "'single', 'multiple', 'true_false', 'fill_blank', 'short_answer'"


def upgrade():
    with op.batch_alter_table('question_versions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_question_versions_known_type'), type_='check')
    with op.batch_alter_table('blueprint_rules', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_blueprint_rules_known_type'), type_='check')


def downgrade():
    with op.batch_alter_table('blueprint_rules', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_blueprint_rules_known_type'), f"type IS NULL OR type IN ({BUILT_IN})")
    with op.batch_alter_table('question_versions', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_question_versions_known_type'), f"type IN ({BUILT_IN})")
