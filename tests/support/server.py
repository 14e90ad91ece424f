"""The real thing: ``lofin db upgrade``, ``lofin seed --demo`` and ``lofin serve`` in a subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.postgres import free_port

LOFIN = Path(sys.executable).parent / "lofin"
START_TIMEOUT_SECONDS = 30


def lofin_env(database_url: str, **extra: str) -> dict[str, str]:
    """Environment for a lofin command against ``database_url``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOFIN_", "PROMETHEUS_"))}
    env.update(
        {
            "LOFIN_DATABASE_URL": database_url,
            "LOFIN_SECRET_KEY": "lofin-subprocess-test-secret-0123456789abcdef",
            "LOFIN_LOG_LEVEL": "WARNING",
        }
    )
    env.update(extra)
    return env


def run_lofin(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a ``lofin`` command and return its result."""
    return subprocess.run(
        [str(LOFIN), *args], env=env, capture_output=True, text=True, check=check, timeout=120
    )


class LofinServer:
    """A served app on a free port, stopped (SIGTERM, then SIGKILL) by PID."""

    def __init__(self, database_url: str, workdir: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"server-{self.port}.log"
        self.env = lofin_env(
            database_url,
            LOFIN_PORT=str(self.port),
            LOFIN_WORKERS=str(workers),
            LOFIN_METRICS_DIR=str(workdir / f"metrics-{self.port}"),
        )
        self.process: subprocess.Popen[bytes] | None = None

    def prepare_database(self) -> None:
        """What ``make run`` does before serving."""
        run_lofin("db", "upgrade", env=self.env)
        run_lofin("seed", "--demo", env=self.env)

    def start(self) -> None:
        """Start serving and wait until ``/health/ready`` answers."""
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [str(LOFIN), "serve"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"lofin serve exited: {self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.base_url}/health/ready", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"lofin serve did not become ready: {self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        """Graceful stop; the whole process group (workers included) is killed if it lingers."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.process = None


@contextmanager
def serving_demo(workdir: Path, workers: int = 2, **env: str) -> Iterator[LofinServer]:
    """What ``make run`` serves (migrated SQLite file, demo data), stopped on exit."""
    server = LofinServer(f"sqlite+aiosqlite:///{workdir / 'lofin.db'}", workdir, workers=workers)
    server.env.update(env)
    server.prepare_database()
    server.start()
    try:
        yield server
    finally:
        server.stop()
