"""The production stack on this machine, from Python: deploy/run-local.sh (gunicorn behind
Caddy with its local CA) on free ports, for the smoke test (tests/deploy) and
bench/first_load.py.

    with LocalStack(instance, database_url) as stack:
        stack.url            # https://127.0.0.1:<port>
        stack.root_cert      # Caddy's local root (PEM), to trust or to ignore

The instance folder and the database must be ready (keys, schema): the stack only serves.
"""
import os
import queue
import signal
import socket
import subprocess
import threading
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
RUN_LOCAL = REPO_ROOT / "deploy" / "run-local.sh"
READY = "stack: ready "
# Generous: a cold gunicorn imports the whole app in each worker, on a shared machine.
START_TIMEOUT_SECONDS = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class StackDidNotStart(RuntimeError):
    pass


class LocalStack:
    def __init__(self, instance: Path, database_url: str, *, workers: int = 2, dist: Path | None = None,
                 environ: dict | None = None):
        self.instance = Path(instance)
        self.https_port = free_port()
        self.url = f"https://127.0.0.1:{self.https_port}"
        self.root_cert = self.instance / "caddy" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        self.env = {
            **os.environ,
            **(environ or {}),
            "MENTORING_INSTANCE_PATH": str(self.instance),
            "MENTORING_DATABASE_URL": database_url,
            "MENTORING_HTTPS_PORT": str(self.https_port),
            "MENTORING_HTTP_PORT": str(free_port()),
            "MENTORING_APP_PORT": str(free_port()),
            "MENTORING_WORKERS": str(workers),
        }
        if dist is not None:
            self.env["MENTORING_PWA_DIST"] = str(dist)
        self._process = None
        self.output: list[str] = []

    def start(self) -> "LocalStack":
        # A session of its own: stop() signals the runner, gunicorn and Caddy together.
        self._process = subprocess.Popen([str(RUN_LOCAL)], cwd=REPO_ROOT, env=self.env, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, text=True, start_new_session=True)
        lines = queue.Queue()

        def read():
            for line in self._process.stdout:
                self.output.append(line.rstrip("\n"))
                lines.put(line)
            lines.put(None)

        threading.Thread(target=read, name="local-stack-output", daemon=True).start()
        while True:
            try:
                line = lines.get(timeout=START_TIMEOUT_SECONDS)
            except queue.Empty:
                self.stop()
                raise StackDidNotStart("no ready line in time:\n" + "\n".join(self.output[-40:])) from None
            if line is None:
                self.stop()
                raise StackDidNotStart("the stack exited:\n" + "\n".join(self.output[-40:]))
            if line.startswith(READY):
                return self

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=45)  # gunicorn's graceful_timeout is 30 s
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        self._process = None

    def __enter__(self) -> "LocalStack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
