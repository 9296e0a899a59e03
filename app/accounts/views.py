"""Login, logout, passwords, language and one's own sessions."""

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.accounts import services, sessions, throttling
from app.accounts.forms import ChangePasswordForm, ConfirmPasswordForm, LanguageForm, LoginForm
from app.accounts.login import SESSION_TOKEN_KEY
from app.accounts.models import LoginSession
from app.accounts.passwords import policy_errors
from app.audit import actions
from app.audit.services import record
from app.core.clock import utcnow
from app.core.errors import DomainError
from app.core.net import client_ip
from app.core.permissions import ANY_USER, PUBLIC, allow
from app.core.redirects import safe_next
from app.extensions import db, limiter

bp = Blueprint("accounts", __name__, template_folder="templates")


def _login_failed(response) -> bool:
    return bool(g.get("login_failed"))


def _begin_session(user) -> None:
    """Fresh cookie contents and a new server-side session: identity renewed at login."""
    locale = session.get("locale")
    session.clear()
    login_session, token = sessions.start_session(
        user, ip=client_ip(), user_agent=request.user_agent.string, now=utcnow()
    )
    session[SESSION_TOKEN_KEY] = token
    session.permanent = True
    if locale and not user.locale:
        user.locale = locale
    login_user(user)
    g.login_session = login_session


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"],
               deduct_when=_login_failed, scope="login-ip")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        staff_no = services.normalise_staff_no(form.staff_no.data)
        throttling.take_guess(staff_no)  # counted before the password is checked: parallel guesses cannot overshoot
        try:
            user = services.authenticate(form.staff_no.data, form.password.data, ip=client_ip(), now=utcnow())
        except services.LoginRefused as refused:
            g.login_failed = True
            db.session.commit()
            flash(str(refused.message), "danger")
            return render_template("accounts/login.html", form=form), 200
        throttling.password_was_right(staff_no)
        _begin_session(user)
        db.session.commit()
        if user.must_change_password:
            flash(_("Your password is temporary. Choose your own password to continue."), "warning")
            return redirect(url_for("accounts.change_password"))
        return redirect(safe_next(form.next.data, url_for("main.home")))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@allow(ANY_USER)
def logout():
    login_session = g.get("login_session")
    if login_session is not None:
        sessions.end_session(login_session, reason="logout", now=utcnow())
    record(actions.LOGOUT, actor=current_user, ip=client_ip(), now=utcnow())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))


def _session_id() -> int | None:
    login_session = g.get("login_session")
    return login_session.id if login_session is not None else None


def _take_guess() -> None:
    """A signed-in user's password check counts against the account and this session (429 when used up)."""
    throttling.take_guess(services.normalise_staff_no(current_user.staff_no), session_id=_session_id())


def _show_on(form, error: DomainError) -> None:
    getattr(form, error.field or "new_password").errors.append(str(error.message))


def _password_was_right() -> None:
    throttling.password_was_right(services.normalise_staff_no(current_user.staff_no), session_id=_session_id())


@bp.route("/account/password", methods=["GET", "POST"])
@allow(ANY_USER)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        current, new = form.current_password.data, form.new_password.data
        problem = services.new_password_problem(current_user, current, new)
        if problem is not None:  # refused without looking at the current password: not a password check
            _show_on(form, problem)
        else:
            _take_guess()
            try:
                ended = services.change_password(current_user, current, new, keep=g.get("login_session"),
                                                 ip=client_ip(), now=utcnow())
            except DomainError as error:
                db.session.commit()  # the audit row of a wrong current password
                _show_on(form, error)
            else:
                _password_was_right()
                if g.get("login_session") is not None:
                    session[SESSION_TOKEN_KEY] = sessions.renew_token(g.login_session)
                db.session.commit()
                if ended:
                    flash(_("Password changed. You were logged out on %(n)d other device(s).", n=ended), "success")
                else:
                    flash(_("Password changed."), "success")
                return redirect(url_for("main.home"))
    rules = policy_errors("")  # every rule, shown as help text
    return render_template("accounts/change_password.html", form=form, rules=rules)


@bp.route("/account/confirm", methods=["GET", "POST"])
@allow(ANY_USER)
def confirm_password():
    form = ConfirmPasswordForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        _take_guess()
        try:
            services.confirm_password(current_user, form.password.data, g.login_session, ip=client_ip(),
                                      now=utcnow())
        except DomainError as error:
            db.session.commit()  # the audit row of the wrong password
            form.password.errors.append(str(error.message))
        else:
            _password_was_right()
            db.session.commit()
            return redirect(safe_next(form.next.data, url_for("main.home")))
    return render_template("accounts/confirm_password.html", form=form)


@bp.post("/language")
@allow(PUBLIC)
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
            db.session.commit()
    return redirect(safe_next(form.next.data or request.referrer and _path_of(request.referrer),
                              url_for("main.home")))


def _path_of(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")


@bp.get("/account/sessions")
@allow(ANY_USER)
def my_sessions():
    return render_template(
        "accounts/sessions.html",
        open_sessions=sessions.open_sessions(current_user),
        current=g.get("login_session"),
    )


@bp.post("/account/sessions/<int:session_id>/end")
@allow(ANY_USER)
def end_my_session(session_id: int):
    login_session = db.get_or_404(LoginSession, session_id)
    if login_session.user_id != current_user.id:
        abort(404)
    sessions.end_session(login_session, reason="ended_by_user", now=utcnow())
    record(actions.SESSION_ENDED, actor=current_user, ip=client_ip(), now=utcnow(),
           details={"session": login_session.id})
    db.session.commit()
    flash(_("The session was ended."), "success")
    return redirect(url_for("accounts.my_sessions"))
