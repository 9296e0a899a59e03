"""The production gunicorn settings: `gunicorn -c gunicorn.conf.py wsgi:app` (README, Production deployment).

bench/exam_day.py runs the app (and its floor) with this same file, so what is measured is what is deployed.
Every value can be overridden from the environment (GUNICORN_WORKERS, GUNICORN_WORKER_CLASS, GUNICORN_THREADS,
GUNICORN_TIMEOUT, GUNICORN_GRACEFUL_TIMEOUT, GUNICORN_KEEPALIVE, GUNICORN_MAX_REQUESTS,
GUNICORN_MAX_REQUESTS_JITTER, GUNICORN_BACKLOG, GUNICORN_PRELOAD, GUNICORN_BIND, GUNICORN_CONTROL_SOCKET,
GUNICORN_APP_LOG_LEVEL), and options given on the command line win over both.

Why these values:
- workers: 2 × cores + 1 sync workers. The requests are short and CPU-bound (templates, argon2 at login) with
  a database wait in each; one spare worker per core covers the waits without making the workers fight for
  the cores. Counted from the cores this process may run on (a container's CPU set), not the host's.
- timeout 120 s: a worker silent this long is killed. The trainer's and HR's heaviest pages (a province's
  results, computing a batch's evaluations) must finish, so it is far above a page's time, not a save's.
- graceful_timeout 30 s: on a restart or a max_requests recycle, a request under way may finish.
- max_requests 5,000 with jitter 2,500: each worker is replaced now and then so slow leaks cannot grow. An exam
  day spreads requests evenly over the workers, so they reach the count together: with a jitter of 10 % all five
  restarted within 4 s of each other in bench/exam_day.py (a worker took 2–3 s to boot before preloading,
  and the day stalled meanwhile); half the count spreads the restarts over thousands of requests.
- preload_app: the app is imported once, in the master, and the workers are forked from it, sharing its
  memory; pre_fork freezes the master's objects so the workers' garbage collections do not copy their pages.
  Five workers after 400 page loads: 491 MiB (proportional set size of the tree) without it, 340 MiB with it
  (bench/server_memory.py), and a worker recycled by max_requests starts in milliseconds. The workers forget
  the master's database connections at fork (app/core/forking.py). The price: `kill -HUP` re-forks the
  workers from the code already loaded, so a new release needs a restart of the master, not a reload (README).
- keepalive 5 s: only used by threaded workers (a sync worker closes each connection); behind nginx, whose
  upstream connections are short, it matters little.
- the control socket lives in the app's instance folder, not the host-wide default every gunicorn of the user
  would share (README).
- logs: gunicorn's access log is off (`accesslog = None`): the app logs one line per request itself, with the
  user and the request id gunicorn cannot know (app/core/request_log.py). `logconfig_dict` sends the app's
  loggers (`app.*`: requests, errors, the database and rate-limit warnings) to stderr at INFO
  (GUNICORN_APP_LOG_LEVEL), and other libraries' warnings too, through the app's formatter: plain text, or one
  JSON object a line when the app's LOG_FORMAT is json. gunicorn's own lines keep its format on stderr.
"""

import gc
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    return raw in {"1", "true", "yes", "on"} if raw else default


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = _int("GUNICORN_WORKERS", 2 * _cores() + 1)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 120)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 2500)
backlog = _int("GUNICORN_BACKLOG", 2048)
preload_app = _bool("GUNICORN_PRELOAD", True)
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "instance/gunicorn.ctl")


def pre_fork(server, worker):
    """Move everything the master holds into the collector's permanent generation before forking: a worker's
    collections then leave the shared objects' pages alone instead of copying them (bench/server_memory.py)."""
    gc.freeze()


accesslog = None
_APP_LOG_LEVEL = os.environ.get("GUNICORN_APP_LOG_LEVEL", "INFO").strip().upper() or "INFO"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "generic": {"format": "%(asctime)s [%(process)d] [%(levelname)s] %(message)s",
                    "datefmt": "[%Y-%m-%d %H:%M:%S %z]", "class": "logging.Formatter"},
        "app": {"()": "app.core.request_log.LogFormatter"},
    },
    "handlers": {
        "error_console": {"class": "logging.StreamHandler", "formatter": "generic", "stream": "ext://sys.stderr"},
        "app_console": {"class": "logging.StreamHandler", "formatter": "app", "stream": "ext://sys.stderr"},
        "null": {"class": "logging.NullHandler"},
    },
    "root": {"level": "WARNING", "handlers": ["app_console"]},
    "loggers": {
        "app": {"level": _APP_LOG_LEVEL, "handlers": ["app_console"], "propagate": False},
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        # Off: with a logconfig_dict gunicorn would log each request a second time despite `accesslog = None`.
        "gunicorn.access": {"level": "CRITICAL", "handlers": ["null"], "propagate": False},
    },
}
