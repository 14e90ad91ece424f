"""The bounded user load a drill runs under: writes and reads through a lab app instance's API.

Each write creates an account through ``POST /api/admin/users/`` as the ministry's demo admin,
with a unique id as both the username (``drill-<id>``) and the ``Idempotency-Key`` header, so the
app may retry it safely across a failover and the drill can look every acknowledged id up in the
database afterwards. Reads list accounts. Every thread stops on request, and by itself after
``max_seconds``.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx
import psycopg

from app.platform.seed import DEMO_PASSWORD
from infra.lab import Lab

SLOW_REQUEST_S = 1.0
ANSWER_GRACE_S = 1.0
WRITE_INTERVAL_S = 0.1
READ_INTERVAL_S = 0.25
REQUEST_TIMEOUT_S = 45.0  # the app holds a write for up to 30 s while the primary changes
PREFIX = "drill-"
ADMIN = "admin.mois"


@dataclass(frozen=True)
class Request:
    """One request of the load: what, when sent and answered (monotonic), and how it ended."""

    kind: str  # "write" or "read"
    began: float
    done: float
    outcome: str  # the HTTP status, or the transport error's name
    acknowledged: bool
    row: str | None = None

    @property
    def seconds(self) -> float:
        """How long the user waited."""
        return self.done - self.began


@dataclass
class Load:
    """Writer and reader threads against one app instance at a time (``retarget`` moves them)."""

    lab: Lab
    base_url: str
    writers: int = 2
    max_seconds: float = 300.0
    requests: list[Request] = field(default_factory=list)
    stop_event: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)
    _paused: threading.Event = field(default_factory=threading.Event)

    # ------------------------------------------------------------ control

    def start(self) -> None:
        """Start the writer and reader threads."""
        targets = [self._write_loop] * self.writers + [self._read_loop]
        self._threads = [threading.Thread(target=target, daemon=True) for target in targets]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop every thread; waits at most one request timeout for them."""
        self.stop_event.set()
        for thread in self._threads:
            thread.join(timeout=REQUEST_TIMEOUT_S + 5)

    def retarget(self, base_url: str) -> None:
        """Send the next requests to another app instance (users repointed to the DR site)."""
        self.base_url = base_url

    def pause(self) -> None:
        """Hold new requests (those in flight finish); ``resume`` lets them go on."""
        self._paused.set()

    def resume(self) -> None:
        """Let the load go on after ``pause``."""
        self._paused.clear()

    def quiet(self, timeout: float = REQUEST_TIMEOUT_S) -> None:
        """Pause and wait until no request is in flight."""
        self.pause()
        deadline = time.monotonic() + timeout
        while self._in_flight and time.monotonic() < deadline:
            time.sleep(0.05)

    # ------------------------------------------------------------ results

    def snapshot(self) -> list[Request]:
        """The requests answered so far."""
        with self._lock:
            return list(self.requests)

    def acknowledged_rows(self) -> list[str]:
        """The ids of every acknowledged write."""
        return [r.row for r in self.snapshot() if r.kind == "write" and r.acknowledged and r.row]

    def first_acknowledged_after(self, moment: float) -> float | None:
        """When the first write committed after ``moment`` was acknowledged (monotonic), or None.

        That is a write sent after ``moment``, or one in flight then and answered more than
        ``ANSWER_GRACE_S`` later: the app held it through the failover and committed it on the new
        primary (an answer sooner than that was committed before a kill -9 at ``moment``).
        """
        done = [
            r.done
            for r in self.snapshot()
            if r.kind == "write"
            and r.acknowledged
            and (r.began > moment or (r.began <= moment and r.done > moment + ANSWER_GRACE_S))
        ]
        return min(done, default=None)

    def acknowledged_since(self, moment: float) -> int:
        """How many writes sent after ``moment`` were acknowledged."""
        return sum(r.kind == "write" and r.acknowledged and r.began > moment for r in self.snapshot())

    def longest_write_pause(self, since: float | None = None, until: float | None = None) -> float:
        """The longest time between two consecutive write acknowledgements (between ``since`` and ``until``)."""
        window = self.longest_write_pause_window(since, until)
        return window[1] - window[0] if window else 0.0

    def longest_write_pause_window(
        self, since: float | None = None, until: float | None = None
    ) -> tuple[float, float] | None:
        """(last acknowledgement before, first after) the longest pause between writes; None with < 2 writes."""
        done = sorted(
            r.done
            for r in self.snapshot()
            if r.kind == "write"
            and r.acknowledged
            and (since is None or r.done >= since)
            and (until is None or r.done <= until)
        )
        return max(itertools.pairwise(done), key=lambda pair: pair[1] - pair[0], default=None)

    def outcomes(self) -> dict[str, dict[str, int]]:
        """Per kind of request, how many ended how (``201``, ``503``, ``ConnectError`` ...)."""
        counts: dict[str, Counter[str]] = {"write": Counter(), "read": Counter()}
        for r in self.snapshot():
            counts[r.kind][r.outcome] += 1
        return {kind: dict(counter) for kind, counter in counts.items()}

    # ------------------------------------------------------------ threads

    _in_flight: int = 0

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def _client(self) -> tuple[httpx.Client, dict[str, str], str]:
        base_url = self.base_url
        client = httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_S)
        return client, self._token_headers(client), base_url

    def _token_headers(self, client: httpx.Client) -> dict[str, str]:
        try:
            answer = client.post("/api/auth/token", json={"username": ADMIN, "password": DEMO_PASSWORD})
        except httpx.HTTPError:
            return {}
        if answer.status_code != 201:
            return {}
        return {"Authorization": f"Bearer {answer.json()['token']}"}

    def _loop(self, kind: str, interval: float) -> None:
        deadline = time.monotonic() + self.max_seconds
        client, headers, base_url = self._client()
        try:
            while not self.stop_event.is_set() and time.monotonic() < deadline:
                if self._paused.is_set():
                    time.sleep(0.05)
                    continue
                if base_url != self.base_url or not headers:
                    client.close()
                    client, headers, base_url = self._client()
                    if not headers:  # the app does not answer (yet): that is a failed request too
                        self._record(Request(kind, time.monotonic(), time.monotonic(), "NoToken", False))
                        time.sleep(0.5)
                        continue
                request = self._send(client, headers, kind)
                self._record(request)
                if request.outcome == "401":
                    headers = {}
                pause = interval if request.acknowledged else max(interval, 0.5)
                self.stop_event.wait(pause)
        finally:
            client.close()

    def _send(self, client: httpx.Client, headers: dict[str, str], kind: str) -> Request:
        row = uuid.uuid4().hex[:20] if kind == "write" else None
        began = time.monotonic()
        with self._lock:
            self._in_flight += 1
        try:
            if kind == "write":
                account = {
                    "username": f"{PREFIX}{row}",
                    "display_name": "BCP drill",
                    "role": "official",
                    "password": "drill-password-0",
                    "government_code": "11110",
                }
                response = client.post(
                    "/api/admin/users/", json=account, headers={**headers, "Idempotency-Key": str(row)}
                )
                ok = response.status_code == 201
            else:
                response = client.get("/api/admin/users/", params={"limit": 5}, headers=headers)
                ok = response.status_code == 200
            outcome = str(response.status_code)
        except httpx.HTTPError as error:
            ok, outcome = False, type(error).__name__
        finally:
            with self._lock:
                self._in_flight -= 1
        return Request(kind, began, time.monotonic(), outcome, ok, row)

    def _write_loop(self) -> None:
        self._loop("write", WRITE_INTERVAL_S)

    def _read_loop(self) -> None:
        self._loop("read", READ_INTERVAL_S)


def missing_rows(lab: Lab, address: str, port: int, rows: list[str]) -> list[str]:
    """Which of the acknowledged ``rows`` the database behind ``address:port`` does not have."""
    dsn = lab.superuser_dsn(address, port, lab.env.cluster["database"])
    with psycopg.connect(dsn) as connection:
        present = connection.execute(
            "SELECT username FROM users WHERE username = ANY(%s)", ([f"{PREFIX}{row}" for row in rows],)
        )
        found = {name.removeprefix(PREFIX) for (name,) in present}
    return [row for row in rows if row not in found]
