"""Forms of the bank pages: banks, owners, the question browser's filters, one question, bulk actions,
imports and exports.

A question form is read with the same parsers and checks as an imported row (app.banks.answers,
app.banks.checks): the answer field takes the answer column's syntax of the upload format, and the
problems name the same fields (`stem`, `option_c`, `answer` …), which are this form's field names.
"""

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.banks import registry
from app.banks.answers import (
    LETTERS,
    MAX_TOPIC_CHARS,
    AnswerError,
    parse_points,
    parse_topics,
)
from app.banks.checks import check_draft
from app.banks.drafts import Draft, QuestionType
from app.banks.exporting import answer_text, number_text
from app.banks.importing import MAX_BANK_NAME, MAX_SOURCE
from app.banks.letters import option_references
from app.banks.limits import (
    MAX_ANSWER_CHARS,
    MAX_EXPLANATION_CHARS,
    MAX_OPTION_CHARS,
    MAX_STEM_CHARS,
    MAX_TOPICS_CHARS,
)
from app.core.forms import MultiCheckboxField
from app.core.i18n import lazy_gettext as _l
from app.core.integers import optional_whole_number, whole_number
from app.courses.naming import course_name

OPTION_FIELDS = tuple(f"option_{letter.lower()}" for letter in LETTERS)
DIFFICULTY_LABELS = {
    1: _l("1 – easy"),
    2: _l("2 – fairly easy"),
    3: _l("3 – medium"),
    4: _l("4 – fairly hard"),
    5: _l("5 – hard"),
}
STATUS_LABELS = {"active": _l("Active"), "retired": _l("Retired"), "all": _l("All")}
# In the order the export page offers them: Excel first, for people; CSV and GIFT for other systems.
EXPORT_FORMATS = {"xlsx": _l("Excel workbook (.xlsx)"), "csv": _l("CSV (for importing into other systems)"),
                  "gift": _l("GIFT (Moodle)")}
BULK_ACTIONS = {"add_topic": _l("Add a topic"), "retire": _l("Retire"), "restore": _l("Restore")}
IMPORT_TEXT_FORMATS = {"auto": _l("Recognise automatically"), "gift": _l("GIFT"), "aiken": _l("Aiken")}


def type_labels() -> dict[str, object]:
    return registry.labels()


def type_choices(empty_label=None) -> list[SelectChoice]:
    choices = [SelectChoice("", str(empty_label))] if empty_label is not None else []
    return choices + [SelectChoice(value, str(label)) for value, label in type_labels().items()]


def difficulty_choices(empty_label) -> list[SelectChoice]:
    return [SelectChoice("", str(empty_label))] + [
        SelectChoice(str(level), str(label)) for level, label in DIFFICULTY_LABELS.items()
    ]


def course_choices(courses) -> list[SelectChoice]:
    return [SelectChoice(course.code, course_name(course)) for course in courses]


# --- Banks --------------------------------------------------------------------------------------

class BankForm(FlaskForm):
    course = SelectField(_l("Course"), validators=[DataRequired()])
    name = StringField(_l("Bank name"), validators=[DataRequired(), Length(max=MAX_BANK_NAME)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, courses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.course.choices = course_choices(courses)


class BankEditForm(FlaskForm):
    name = StringField(_l("Bank name"), validators=[DataRequired(), Length(max=MAX_BANK_NAME)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])


class OwnersForm(FlaskForm):
    owners = MultiCheckboxField(_l("Owners"), coerce=int)

    def __init__(self, *args, trainers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.owners.choices = [SelectChoice(user.id, f"{user.name} ({user.staff_no})") for user in trainers]


class ActionForm(FlaskForm):
    """An empty form for buttons that change state (retire, restore): CSRF only."""


# --- The question browser -----------------------------------------------------------------------

class QuestionFilterForm(FlaskForm):
    """Read from the query string (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Text in the question"), validators=[Optional(), Length(max=100)])
    type = SelectField(_l("Type"), default="")
    difficulty = SelectField(_l("Difficulty"), coerce=optional_whole_number, validators=[Optional()])
    topic = SelectField(_l("Topic"), coerce=optional_whole_number, validators=[Optional()])
    status = SelectField(_l("Status"), default="active")

    def __init__(self, *args, topics=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.type.choices = type_choices(_("All types"))
        self.difficulty.choices = difficulty_choices(_("Any difficulty"))
        self.topic.choices = [SelectChoice("", _("All topics"))] + [
            SelectChoice(str(topic.id), topic.name) for topic in topics
        ]
        self.status.choices = [SelectChoice(value, str(label)) for value, label in STATUS_LABELS.items()]


class BulkForm(FlaskForm):
    ids = SelectMultipleField(_l("Questions"), coerce=whole_number, validate_choice=False)
    action = SelectField(_l("With the selected questions"), validators=[DataRequired()])
    topic = StringField(_l("Topic"), validators=[Optional(), Length(max=MAX_TOPIC_CHARS)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = [SelectChoice(value, str(label)) for value, label in BULK_ACTIONS.items()]


# --- One question -------------------------------------------------------------------------------

class QuestionForm(FlaskForm):
    type = SelectField(_l("Question type"), default=QuestionType.SINGLE.value)
    stem = TextAreaField(_l("Question text"), validators=[Length(max=MAX_STEM_CHARS)], render_kw={"rows": 4})
    option_a = StringField(_l("Option A"), validators=[Length(max=MAX_OPTION_CHARS)])
    option_b = StringField(_l("Option B"), validators=[Length(max=MAX_OPTION_CHARS)])
    option_c = StringField(_l("Option C"), validators=[Length(max=MAX_OPTION_CHARS)])
    option_d = StringField(_l("Option D"), validators=[Length(max=MAX_OPTION_CHARS)])
    option_e = StringField(_l("Option E"), validators=[Length(max=MAX_OPTION_CHARS)])
    option_f = StringField(_l("Option F"), validators=[Length(max=MAX_OPTION_CHARS)])
    option_g = StringField(_l("Option G"), validators=[Length(max=MAX_OPTION_CHARS)])
    option_h = StringField(_l("Option H"), validators=[Length(max=MAX_OPTION_CHARS)])
    answer = TextAreaField(_l("Answer"), validators=[Length(max=MAX_ANSWER_CHARS)], render_kw={"rows": 2})
    points = StringField(_l("Points"), validators=[Length(max=20)])
    difficulty = SelectField(_l("Difficulty"), default="")
    topic = StringField(_l("Topics"), validators=[Length(max=MAX_TOPICS_CHARS)])
    explanation = TextAreaField(_l("Explanation"), validators=[Length(max=MAX_EXPLANATION_CHARS)],
                                render_kw={"rows": 3})
    source = StringField(_l("Source"), validators=[Length(max=MAX_SOURCE)])
    keep_order = BooleanField(_l("Keep the options in the order written (do not shuffle them for each candidate)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type.choices = type_choices()
        self.difficulty.choices = difficulty_choices(_("Not set (3 – medium)"))

    @property
    def option_fields(self):
        return [self[name] for name in OPTION_FIELDS]

    @staticmethod
    def data_of(draft: Draft) -> dict:
        """Form data showing `draft` (for editing a version)."""
        data = {
            "type": str(draft.type),
            "stem": draft.stem,
            "answer": answer_text(draft),
            "points": number_text(draft.points),
            "difficulty": number_text(draft.difficulty),
            "topic": "; ".join(draft.topics),
            "explanation": draft.explanation,
            "source": draft.source,
            "keep_order": draft.keep_order,
        }
        for index, name in enumerate(OPTION_FIELDS):
            data[name] = draft.options[index] if index < len(draft.options) else ""
        return data

    def to_draft(self, previous: Draft | None = None) -> Draft | None:
        """The draft the form describes, or None with every problem put on its field.

        `previous` (when editing) keeps what the form cannot show: multiple-choice weights (from GIFT)
        stay while the correct options stay the same.
        """
        errors: dict[str, list[str]] = {}

        def parse(field: str, parser, text: str):
            try:
                return parser(text)
            except AnswerError as error:
                errors.setdefault(field, []).append(str(error.message))
                return None

        kind = registry.get(self.type.data)
        options = [(self[name].data or "").strip() for name in OPTION_FIELDS]
        while options and not options[-1]:
            options.pop()
        answer = (self.answer.data or "").strip()
        draft = Draft(
            type=kind.type, stem=(self.stem.data or "").strip(), options=options,
            points=parse("points", parse_points, self.points.data or ""),
            difficulty=int(self.difficulty.data) if self.difficulty.data else None,
            topics=parse("topic", parse_topics, self.topic.data or "") or [],
            explanation=(self.explanation.data or "").strip(), source=(self.source.data or "").strip(),
            keep_order=bool(self.keep_order.data) and kind.has_options,
            **(parse("answer", kind.parse_answer, answer) or {}),
        )
        if previous is not None and previous.type == draft.type and previous.weights \
                and previous.correct == draft.correct:
            draft.weights = dict(previous.weights)
        references = option_references(kind.type, draft.stem, draft.options, draft.explanation)
        if references and not draft.keep_order:
            # The letter rule: say why, rather than keep the order silently.
            errors.setdefault("keep_order", []).append(str(_l(
                "“%(text)s” names an option by its letter or points at other options, which only holds if the "
                "options keep the order written: tick this box, or rewrite the text.", text=references[0].snippet)))
        for problem in check_draft(draft):
            field = {"options": "option_a", "image": "stem"}.get(problem.field, problem.field)
            if field in errors:
                continue  # one message per field: the parser's
            errors.setdefault(field, []).append(str(problem.message))
        for field, messages in errors.items():
            target = self._fields.get(field)
            if target is not None:
                target.errors = [*target.errors, *dict.fromkeys(messages)]
            else:
                self.form_errors.extend(messages)
        return None if errors else draft


# --- Import and export --------------------------------------------------------------------------

class ImportForm(FlaskForm):
    file = FileField(_l("Question bank file"), validators=[FileRequired(_l("Choose a file to upload."))])
    course = SelectField(_l("Course"), validators=[DataRequired()])
    bank = SelectField(_l("Bank"), default="")
    new_bank = StringField(_l("Name of the new bank"), validators=[Optional(), Length(max=MAX_BANK_NAME)])
    text_format = SelectField(_l("Text file format"), default="auto")

    def __init__(self, *args, courses=(), banks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.course.choices = course_choices(courses)
        self.bank.choices = [SelectChoice("", _("— A new bank (name below) —"))] + [
            SelectChoice(str(bank.id), bank.name, optgroup=str(bank.course.name)) for bank in banks
        ]
        self.text_format.choices = [SelectChoice(value, str(label)) for value, label in IMPORT_TEXT_FORMATS.items()]


class ImportConfirmForm(FlaskForm):
    """The trainer's choices; what is imported is the stored file, checked again."""

    skip_unsupported = BooleanField()  # set by the "import the other questions" button
    skip_existing = BooleanField(default=True)  # the preview shows its own label, with the count
