"""Flask extensions, created unbound so the factory can attach them to any app."""

import logging
import time

from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from limits.errors import StorageError

from app.core.models import Base
from app.core.net import client_ip

log = logging.getLogger("app.ratelimit")
WARN_EVERY_SECONDS = 60


def _storage_errors() -> tuple[type[BaseException], ...]:
    try:
        from redis.exceptions import RedisError
    except ImportError:  # the redis package comes with the production extra
        return StorageError, OSError
    return StorageError, OSError, RedisError


class _FallingBack:
    """A rate-limit strategy that, when its storage fails, counts in this process's memory instead.

    Flask-Limiter falls back for the limits it applies itself (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED), but
    the password throttle (app/accounts/throttling.py) and the API's failure count (app/api/auth.py) call
    the strategy directly, and a Redis outage turned every login into a 500. Here a storage error marks the
    storage dead in Flask-Limiter's own state, so both share its memory fallback and its check for recovery
    (it pings the storage now and then and goes back to it). Counting per process while Redis is down
    keeps a brake on guessing (each worker allows the limit) instead of refusing every login.
    """

    def __init__(self, owner: "FallbackLimiter", strategy):
        self._owner = owner
        self._strategy = strategy

    def __getattr__(self, name):
        method = getattr(self._strategy, name)
        if name not in ("hit", "test", "get_window_stats", "clear") or not callable(method):
            return method

        def call(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except _storage_errors() as error:
                fallback = self._owner.fallen_back(error)
                if fallback is None or fallback is self._strategy:
                    raise
                return getattr(fallback, name)(*args, **kwargs)

        return call


class FallbackLimiter(Limiter):
    """Flask-Limiter whose strategy (`limiter.limiter`) survives its storage going away (see _FallingBack)."""

    _last_warning = 0.0

    @property
    def limiter(self):
        return _FallingBack(self, super().limiter)

    def keep_retry_after(self) -> None:
        """This response's Retry-After is not a limit's: Flask-Limiter would raise it to the end of the
        window of the route's limit (15 minutes on the login page), so it sends no limit headers this time."""
        self.context.view_rate_limit = None

    def fallen_back(self, error: BaseException):
        """Mark the storage dead and return the in-memory strategy (None when the fallback is off)."""
        if not self._in_memory_fallback_enabled or self._fallback_limiter is None:
            return None
        self._storage_dead = True
        now = time.monotonic()
        if now - FallbackLimiter._last_warning >= WARN_EVERY_SECONDS:
            FallbackLimiter._last_warning = now
            log.warning("rate-limit storage unreachable (%s: %s); counting in this process's memory until it "
                        "answers again", type(error).__name__, str(error).strip().splitlines()[0][:200]
                        if str(error).strip() else "")
        return self._fallback_limiter


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = FallbackLimiter(key_func=client_ip)
