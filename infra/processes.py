"""Start and stop the lab's processes by PID: every process is recorded in ``var/lab/run/<name>.pid``.

A recorded PID is only trusted while ``/proc/<pid>/cmdline`` still names the lab (a reused PID
belongs to someone else). PostgreSQL's postmaster is not Patroni's child, so it is found through
``postmaster.pid`` in its data directory.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from infra.topology import LAB_DIR

RUN_DIR = LAB_DIR / "run"
LOG_DIR = LAB_DIR / "log"
AS_POSTGRES = ("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups")


@dataclass(frozen=True)
class LabProcess:
    """One long-running lab process: its unique name, its command, the marker that identifies it and
    the URL that answers 200 once it is ready (None: no readiness to wait for)."""

    name: str
    argv: Sequence[str]
    marker: str
    env: Mapping[str, str]
    cwd: Path
    ready_url: str | None = None

    @property
    def pid_file(self) -> Path:
        """Where the PID of this process is recorded."""
        return RUN_DIR / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        """Where its stdout and stderr go."""
        return LOG_DIR / f"{self.name}.log"


def cmdline(pid: int) -> str:
    """The command line of ``pid``, or "" when it is gone."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def recorded_pid(pid_file: Path, marker: str) -> int | None:
    """The PID in ``pid_file`` if that process is alive and its command line contains ``marker``."""
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if _alive(pid) and marker in cmdline(pid) else None


def running_pid(process: LabProcess) -> int | None:
    """The PID of ``process`` if it runs."""
    return recorded_pid(process.pid_file, process.marker)


def start(process: LabProcess) -> int:
    """Start ``process`` unless it already runs; returns its PID."""
    pid = running_pid(process)
    if pid is not None:
        return pid
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with process.log_file.open("ab") as log:
        child = subprocess.Popen(  # noqa: S603 - argv is built by the lab from fixed parts, never a shell
            list(process.argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=process.cwd,
            env=dict(process.env),
            start_new_session=True,  # Ctrl-C in the terminal must not take the lab down half-way
        )
    process.pid_file.write_text(f"{child.pid}\n")
    return child.pid


def postmaster_pid(data_dir: Path) -> int | None:
    """The postmaster running on ``data_dir``, read from its ``postmaster.pid``."""
    return recorded_pid(data_dir / "postmaster.pid", str(data_dir))


def wait_gone(pids: Iterable[int], timeout: float) -> list[int]:
    """Wait up to ``timeout`` seconds for ``pids`` to exit; returns those still alive."""
    remaining = [pid for pid in pids if _alive(pid)]
    deadline = time.monotonic() + timeout
    while remaining and time.monotonic() < deadline:
        time.sleep(0.1)
        remaining = [pid for pid in remaining if _alive(pid)]
    return remaining


def send(pids: Iterable[int], signum: signal.Signals) -> None:
    """Send ``signum`` to each PID that still exists."""
    for pid in pids:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            continue


def stop(pids: Sequence[int], graceful: signal.Signals, timeout: float) -> None:
    """Ask ``pids`` to stop with ``graceful``; SIGKILL whatever still runs after ``timeout`` seconds."""
    send(pids, graceful)
    leftover = wait_gone(pids, timeout)
    if leftover:
        send(leftover, signal.SIGKILL)
        wait_gone(leftover, 2.0)


def children_of(pid: int) -> list[int]:
    """The direct children of ``pid`` (a postmaster's backends and helpers)."""
    children = []
    for entry in Path("/proc").iterdir():
        try:
            parent = int(Path(entry, "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            children.append(int(entry.name))
    return children


def descendants(pid: int) -> list[int]:
    """``pid``'s children, their children, and so on."""
    found, queue = [], [pid]
    while queue:
        children = children_of(queue.pop())
        found += children
        queue += children
    return found


def memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of ``pid`` in KiB; PSS shares PostgreSQL's shared buffers out instead of counting them per process."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        return 0, 0
    return rss, pss


def lab_strays(programs: tuple[str, ...]) -> list[int]:
    """PIDs no PID file records that run one of the lab's ``programs`` on a file under the lab directory.

    Both must hold, so an operator's ``tail -f var/lab/log/...`` is never mistaken for a lab process.
    """
    marker = str(LAB_DIR)
    strays = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        argv = cmdline(int(entry.name)).split()
        if argv and marker in " ".join(argv) and argv[0].startswith(programs):
            strays.append(int(entry.name))
    return strays
