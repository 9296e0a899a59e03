"""A forked process never uses its parent's database connections.

gunicorn.conf.py preloads the app in the master, so the workers share its memory (five workers: 491 → 340 MiB
proportional set size, bench/server_memory.py) and a recycled worker starts in milliseconds instead of seconds. Whatever
the master opened before forking is inherited by every worker, and a pooled connection used by two processes
interleaves their bytes on one socket. SQLAlchemy's remedy is `Engine.dispose(close=False)` in the child: it
forgets the inherited pooled connections without closing them (closing would end the parent's too) and opens its
own on first use. It is hooked on `os.fork` itself, so any forking server is covered, not only gunicorn.
"""

import os
import weakref

from flask import Flask

from app.extensions import db


def register(app: Flask) -> None:
    ref = weakref.ref(app)  # an app the tests dropped is not kept alive by the hook

    def _forget_inherited_connections() -> None:
        forked = ref()
        if forked is None:
            return
        with forked.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)

    os.register_at_fork(after_in_child=_forget_inherited_connections)
