"""The evaluation scheme: the built-in defaults, the current version, and saving a new version.

Until HR saves a scheme the defaults of the training plan apply (law 40 %, the other courses 20 % each,
优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60); they are stored as version 1 the first time anything is computed, so every
evaluation names the version it used.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from app.audit import actions
from app.audit.services import record
from app.core.errors import DomainError
from app.core.i18n import lazy_gettext as _l
from app.evaluation.models import EvaluationScheme
from app.evaluation.states import AttendanceMode, MakeupRule
from app.extensions import db

DEFAULT_WEIGHTS = {"law": Decimal(40), "integrity": Decimal(20), "etiquette": Decimal(20),
                   "procedures": Decimal(20)}
MAX_NOTE = 500


@dataclass(frozen=True)
class SchemeData:
    weights: dict[str, Decimal]
    attendance_mode: AttendanceMode = AttendanceMode.MINIMUM
    attendance_weight: Decimal = Decimal(0)
    attendance_minimum: Decimal = Decimal(100)
    excellent_min: Decimal = Decimal(90)
    good_min: Decimal = Decimal(80)
    pass_min: Decimal = Decimal(60)
    award_min: Decimal = Decimal(90)
    makeup_rule: MakeupRule = MakeupRule.CAP
    review_periods: int = 2
    note: str = ""


DEFAULTS = SchemeData(weights=dict(DEFAULT_WEIGHTS))


def current_scheme() -> EvaluationScheme | None:
    return db.session.scalar(db.select(EvaluationScheme).order_by(EvaluationScheme.version.desc()).limit(1))


def current_data() -> SchemeData:
    """The figures in force: the latest saved version, or the defaults."""
    scheme = current_scheme()
    return DEFAULTS if scheme is None else data_of(scheme)


def data_of(scheme: EvaluationScheme) -> SchemeData:
    rules = scheme.rules
    return SchemeData(weights=rules.weights, attendance_mode=rules.attendance_mode,
                      attendance_weight=rules.attendance_weight, attendance_minimum=rules.attendance_minimum,
                      excellent_min=rules.excellent_min, good_min=rules.good_min, pass_min=rules.pass_min,
                      award_min=rules.award_min, makeup_rule=rules.makeup_rule,
                      review_periods=rules.review_periods, note=scheme.note)


def history() -> list[EvaluationScheme]:
    return list(db.session.scalars(db.select(EvaluationScheme).order_by(EvaluationScheme.version.desc())))


def _check(data: SchemeData) -> None:
    def percent_field(value: Decimal, field: str) -> None:
        if value < 0 or value > 100:
            raise DomainError(_l("Enter a figure from 0 to 100."), field=field)

    if not data.weights or any(weight < 0 for weight in data.weights.values()):
        raise DomainError(_l("Every course weight must be 0 or more."), field="weights")
    total = sum(data.weights.values(), Decimal(0))
    if data.attendance_mode not in set(AttendanceMode):
        raise DomainError(_l("Choose how attendance counts."), field="attendance_mode")
    if data.makeup_rule not in set(MakeupRule):
        raise DomainError(_l("Choose how make-up scores count."), field="makeup_rule")
    if data.attendance_mode == AttendanceMode.WEIGHT:
        if data.attendance_weight <= 0:
            raise DomainError(_l("Give attendance a weight above 0, or choose another way for it to count."),
                              field="attendance_weight")
        total += data.attendance_weight
    if total != 100:
        raise DomainError(_l("The weights add up to %(total)s; they must add up to 100.", total=total),
                          field="weights")
    for field in ("attendance_minimum", "excellent_min", "good_min", "pass_min", "award_min"):
        percent_field(getattr(data, field), field)
    if not data.pass_min <= data.good_min <= data.excellent_min:
        raise DomainError(_l("The thresholds must rise: pass ≤ good ≤ excellent."), field="good_min")
    if not 1 <= data.review_periods <= 10:
        raise DomainError(_l("Enter a number of periods from 1 to 10."), field="review_periods")
    if len(data.note) > MAX_NOTE:
        raise DomainError(_l("The note is too long (at most %(count)d characters).", count=MAX_NOTE), field="note")


def save_scheme(actor, data: SchemeData, *, now: datetime, ip: str) -> EvaluationScheme:
    """Store the figures as the next version (versions are never changed)."""
    _check(data)
    latest = current_scheme()
    scheme = EvaluationScheme(
        version=(latest.version + 1) if latest else 1,
        weights={code: str(weight) for code, weight in data.weights.items()},
        attendance_mode=data.attendance_mode, attendance_weight=data.attendance_weight,
        attendance_minimum=data.attendance_minimum, excellent_min=data.excellent_min, good_min=data.good_min,
        pass_min=data.pass_min, award_min=data.award_min, makeup_rule=data.makeup_rule,
        review_periods=data.review_periods, note=data.note.strip(), created_at=now,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(scheme)
    db.session.flush()
    record(actions.SCHEME_SAVED, actor=actor, ip=ip, now=now, target=scheme,
           details={"version": scheme.version, "weights": scheme.weights,
                    "attendance_mode": data.attendance_mode, "makeup_rule": data.makeup_rule,
                    "thresholds": [str(data.excellent_min), str(data.good_min), str(data.pass_min)],
                    "award_min": str(data.award_min), "review_periods": data.review_periods})
    return scheme


def scheme_in_force(actor, *, now: datetime, ip: str) -> EvaluationScheme:
    """The latest version, storing the defaults as version 1 when HR never saved one."""
    return current_scheme() or save_scheme(actor, DEFAULTS, now=now, ip=ip)
