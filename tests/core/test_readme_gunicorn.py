"""The README's gunicorn command gives the app a control socket of its own (issue 14, finding 8): by default every
gunicorn of a user on the host shares `$XDG_RUNTIME_DIR/gunicorn.ctl`, so one server's commands could reach
another's."""

import re
import shlex
from pathlib import Path

from gunicorn.config import Config

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_gunicorn_command_parses_and_names_its_own_control_socket():
    [command] = re.findall(r"`(gunicorn [^`]+)`", README.read_text(encoding="utf-8"))
    arguments = Config().parser().parse_args(shlex.split(command)[1:])
    assert arguments.workers > 1 and arguments.bind == ["127.0.0.1:8000"]
    assert arguments.control_socket_disable or arguments.control_socket == "instance/gunicorn.ctl"
