"""Training pages: HR plans batches and allocates staff (plans, batches), schedules sessions (batches),
lecturers take attendance and show check-in codes (attendance), collectors see their training and check in
(mine)."""

from flask import Blueprint

from app.training.states import AttendanceState, BatchState, RecordedVia, Slot

bp = Blueprint("training", __name__, template_folder="../templates")


@bp.record_once
def _states_in_templates(state) -> None:
    """Templates compare with the members (`batch.status == BatchState.PLANNING`), never the bare values."""
    state.app.jinja_env.globals.update(BatchState=BatchState, Slot=Slot, AttendanceState=AttendanceState,
                                       RecordedVia=RecordedVia)


from app.training.views import allocation, attendance, batches, mine, subscription  # noqa: E402,F401  (routes register on bp)
