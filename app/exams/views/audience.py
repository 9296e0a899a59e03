"""The trainer's pages for who sits an exam: its candidates (stations, teams, training batches, people) and
make-up exams (补考) for those who failed or were absent."""

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import or_, select

from app.accounts.models import User
from app.core.clock import utcnow
from app.core.net import client_ip
from app.core.permissions import allow
from app.core.writes import commit_or_report
from app.exams import services
from app.exams.audience import audience_clause, audience_users, needing_makeup
from app.exams.forms import AudienceForm, ExamSettingsForm, settings_data, split_tokens, to_local
from app.exams.models import Exam
from app.exams.permissions import EXAM_MAKERS
from app.exams.states import ExamState
from app.exams.views import bp
from app.exams.views.loading import managed_exam
from app.extensions import db
from app.org.models import Station
from app.training.models import Batch
from app.training.states import BatchState

# --- Candidates -------------------------------------------------------------------------------

def _people(text: str | None) -> tuple[list[int], list[str]]:
    """User ids for typed staff numbers (case-insensitive), and the numbers nobody has."""
    numbers = list(dict.fromkeys(token.casefold() for token in split_tokens(text)))
    found = dict(db.session.execute(select(User.staff_no, User.id).where(User.staff_no.in_(numbers))).all())
    return [found[n] for n in numbers if n in found], [n for n in numbers if n not in found]


@bp.route("/exams/<int:exam_id>/audience", methods=["GET", "POST"])
@allow(*EXAM_MAKERS)
def audience(exam_id: int):
    exam = managed_exam(exam_id)
    stations = list(db.session.scalars(select(Station).where(Station.active.is_(True)).order_by(Station.name)))
    teams = [team for station in stations for team in station.teams if team.active]
    entries = exam.audience
    chosen_batches = {e.batch_id for e in entries if e.batch_id}
    batches = db.session.scalars(select(Batch).where(or_(Batch.status != BatchState.PLANNING, Batch.id.in_(chosen_batches)))
                                 .order_by(Batch.starts_on.desc(), Batch.id)).all()
    form = AudienceForm(stations=stations, teams=teams, batches=batches, data={
        "stations": [e.station_id for e in entries if e.station_id],
        "teams": [e.team_id for e in entries if e.team_id],
        "batches": sorted(chosen_batches),
        "people": "\n".join(e.user.staff_no for e in entries if e.user_id)})
    editable = exam.makeup_of_id is None and exam.status != ExamState.ARCHIVED
    if request.method == "POST" and not editable:
        abort(409)
    if editable and form.validate_on_submit():
        user_ids, unknown = _people(form.people.data)
        if unknown:
            form.people.errors = [*form.people.errors,
                                  _("Unknown staff numbers: %(numbers)s", numbers=", ".join(unknown))]
        elif commit_or_report(lambda: services.set_audience(
                current_user, exam, station_ids=form.stations.data or [], team_ids=form.teams.data or [],
                user_ids=user_ids, batch_ids=form.batches.data or [], now=utcnow(), ip=client_ip()), form=form):
            count = len(audience_users(exam))
            flash(ngettext("The candidates were saved: %(num)d person may sit the exam.",
                           "The candidates were saved: %(num)d people may sit the exam.", count), "success")
            return redirect(url_for("exams.audience", exam_id=exam.id))
    return render_template("exams/manage/audience.html", exam=exam, form=form, editable=editable,
                           candidates=audience_users(exam))


# --- Make-up exams (补考) -----------------------------------------------------------------------

def _makeup_data(original: Exam) -> dict:
    """The original's settings, titled "… 补考", opening a week after it closes, with the same window length."""
    data = settings_data(original)
    opens = to_local(max(original.closes_at, utcnow()) + timedelta(days=7)).replace(minute=0)
    data.update(title=_("%(title)s make-up", title=original.title), opens_at=opens,
                closes_at=opens + (original.closes_at - original.opens_at))
    return data


def makeup_candidates(original: Exam) -> list[User]:
    """Who the make-up exam would admit: the original's candidates who failed or were absent."""
    users = db.session.scalars(select(User).where(audience_clause(original)).order_by(User.staff_no)).all()
    return needing_makeup(list(users), original)


@bp.route("/exams/<int:exam_id>/makeup", methods=["GET", "POST"])
@allow(*EXAM_MAKERS)
def makeup(exam_id: int):
    original = managed_exam(exam_id)
    refused = None
    if original.makeup_of_id is not None:
        refused = _("Make a make-up exam from the original exam, not from another make-up exam.")
    elif original.status == ExamState.DRAFT:
        refused = _("Publish the original exam before making a make-up exam for it.")
    form = ExamSettingsForm(data=_makeup_data(original))
    if refused is None and form.validate_on_submit():
        created = commit_or_report(lambda: services.create_makeup(current_user, original, form.settings(),
                                                                  now=utcnow(), ip=client_ip()), form=form)
        if created:
            exam = created.value
            flash(_("Make-up exam %(title)s was created with the original's paper blueprint.", title=exam.title),
                  "success")
            return redirect(url_for("exams.detail", exam_id=exam.id))
    elif refused is not None and request.method == "POST":
        abort(409)
    return render_template("exams/manage/makeup.html", original=original, form=form, refused=refused,
                           candidates=makeup_candidates(original) if refused is None else [])
