"""The app as gunicorn serves it, naming in a header the worker process that answered,
so that tests/server/test_keys.py can tell that every worker saw a rotation."""
import os

from server import create_app

_app = create_app()


def app(environ, start_response):
    def start(status, headers, exc_info=None):
        return start_response(status, [*headers, ("X-Worker-Pid", str(os.getpid()))], exc_info)

    return _app(environ, start)
