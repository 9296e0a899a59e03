"""The README's gunicorn command runs the repository's gunicorn.conf.py, which gives the app a control socket of its
own (issue 14, finding 8: by default every gunicorn of a user on the host shares `$XDG_RUNTIME_DIR/gunicorn.ctl`, so
one server's commands could reach another's), several workers and the production timeouts (issue 17); the
environment overrides it, so one file serves every host and bench/exam_day.py measures what is deployed."""

import os
import re
import runpy
import shlex
from pathlib import Path

from gunicorn.config import Config

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def _settings(command: str) -> Config:
    """gunicorn's own order: its defaults, then the -c file, then the command line."""
    arguments = Config().parser().parse_args(shlex.split(command)[1:])
    config = Config()
    if arguments.config:
        for name, value in runpy.run_path(str(ROOT / arguments.config)).items():
            if name in config.settings:
                config.set(name, value)
    for name, value in vars(arguments).items():
        if value is not None and name in config.settings:
            config.set(name, value)
    return config


def test_the_readme_gunicorn_command_parses_and_names_its_own_control_socket(monkeypatch):
    for name in [name for name in os.environ if name.startswith("GUNICORN_")]:
        monkeypatch.delenv(name)  # the file's own values, not this host's overrides
    [command] = re.findall(r"`(gunicorn [^`]+)`", README.read_text(encoding="utf-8"))
    config = _settings(command)
    assert config.workers > 1 and config.bind == ["127.0.0.1:8000"]
    assert config.control_socket_disable or config.control_socket == "instance/gunicorn.ctl"
    assert config.timeout >= 60 and config.graceful_timeout > 0
    assert config.max_requests > 0 and 0 < config.max_requests_jitter < config.max_requests
    assert config.preload_app  # the workers share the master's memory (app/core/forking.py)


def test_the_environment_overrides_the_gunicorn_configuration(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "7")
    monkeypatch.setenv("GUNICORN_BIND", "0.0.0.0:9000")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "300")
    config = _settings("gunicorn -c gunicorn.conf.py wsgi:app")
    assert (config.workers, config.bind, config.timeout) == (7, ["0.0.0.0:9000"], 300)
    assert _settings("gunicorn -c gunicorn.conf.py -w 3 wsgi:app").workers == 3  # the command line wins
