"""WSGI entry point: `gunicorn -c gunicorn.conf.py wsgi:app`, `flask --app wsgi ...`.

Both read the same env file first (app/config.py, load_env_file: ENV_FILE, else .env) and stop on a bad setting
with one line on stderr and exit status 4, no traceback. gunicorn.conf.py preloads the app, so its master stops
at once; without preloading, 4 is gunicorn's "App failed to load": a worker exiting with it makes the master stop
too instead of booting new workers for ever. The systemd unit (docs/deploy/toll-training.service) does not restart
on it either. The line is English: it is for the operator
at start-up, before any request or user whose language could be chosen.
"""

import sys

from app.config import ConfigError, load_env_file

CONFIG_ERROR_STATUS = 4

try:
    load_env_file()
    from app import create_app

    app = create_app()
except ConfigError as error:
    print(f"Configuration error: {error}", file=sys.stderr, flush=True)
    raise SystemExit(CONFIG_ERROR_STATUS) from None
