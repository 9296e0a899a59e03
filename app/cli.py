"""Flask commands: `flask --app wsgi <command>`."""


def register(app) -> None:
    pass
