"""Reading the operations stack: Patroni's REST API per region, Alertmanager's and Prometheus' HTTP APIs.

Every source is asked concurrently with a short timeout. A source that does not answer yields an
unreachable :class:`Fetched` (with when it last answered in this process), never an exception: the
control center must show what it knows while a region is down, which is exactly when it is looked at.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from app.ops.schemas import SourceState

FIRING_ALERTS_PATH = "/api/v2/alerts?active=true&silenced=false&inhibited=false"

# When each source last answered, per process; shown next to "unreachable".
_last_seen: dict[str, datetime] = {}


@dataclass(slots=True)
class Fetched:
    """What one source answered (``data``), or why it did not (``error``)."""

    name: str
    url: str
    data: Any = None
    error: str | None = None

    @property
    def reachable(self) -> bool:
        """Whether the source answered with something usable."""
        return self.error is None

    def state(self) -> SourceState:
        """The source as the page lists it."""
        return SourceState(self.name, self.url, self.reachable, _last_seen.get(self.name), self.error)


def _describe(error: Exception) -> str:
    if isinstance(error, httpx.TimeoutException):
        return "timed out"
    if isinstance(error, httpx.HTTPStatusError):
        return f"HTTP {error.response.status_code}"
    if isinstance(error, httpx.TransportError):
        return "connection failed"
    return type(error).__name__


async def _get_json(client: httpx.AsyncClient, name: str, url: str) -> Fetched:
    try:
        response = await client.get(url)
        response.raise_for_status()
        data = response.json()
    except (httpx.HTTPError, ValueError) as error:
        return Fetched(name, url, error=_describe(error))
    _last_seen[name] = datetime.now(UTC)
    return Fetched(name, url, data)


async def patroni_cluster(client: httpx.AsyncClient, region: str, urls: list[str]) -> Fetched:
    """The region's ``/cluster`` from the first of its members that answers (all are asked at once)."""
    name = f"patroni:{region}"
    if not urls:
        return Fetched(name, "", error="not configured")
    answers = await asyncio.gather(*(_get_json(client, name, f"{url.rstrip('/')}/cluster") for url in urls))
    for answer in answers:
        if (
            answer.reachable
            and isinstance(answer.data, dict)
            and isinstance(answer.data.get("members"), list)
        ):
            return answer
    return Fetched(name, ", ".join(urls), error=answers[0].error or "no cluster in the answer")


async def firing_alerts(client: httpx.AsyncClient, base_url: str | None) -> Fetched:
    """Alerts that fire and are neither silenced nor inhibited."""
    if not base_url:
        return Fetched("alertmanager", "", error="not configured")
    answer = await _get_json(client, "alertmanager", base_url.rstrip("/") + FIRING_ALERTS_PATH)
    if answer.reachable and not isinstance(answer.data, list):
        return Fetched(answer.name, answer.url, error="unexpected answer")
    return answer


# name -> PromQL; each answers an instant vector
PROMETHEUS_QUERIES: dict[str, str] = {
    "dr_lag_seconds": "max by (region) (lofin:dr_standby_lag:seconds)",
    "replica_lag_bytes": "max by (region) (lofin:patroni_replica_lag:bytes)",
    "requests": "sum by (service) (service:lofin_requests:rate5m)",
    "error_ratio": "max by (service) (service:lofin_requests_errors:ratio_rate5m)",
    "p95": "max by (service) (service:lofin_request_duration_seconds:p95_5m)",
    "app_up": 'up{job="app"}',
    "last_backup": "max(pgbackrest_last_backup_timestamp_seconds)",
}


def _vector(data: Any) -> list[tuple[dict[str, str], float]]:
    """Prometheus' instant-vector answer as (labels, value) pairs; NaN and junk are dropped."""
    if not isinstance(data, dict) or data.get("status") != "success":
        raise ValueError("not a successful query answer")
    samples = []
    for series in data.get("data", {}).get("result", []):
        try:
            value = float(series["value"][1])
        except (KeyError, IndexError, TypeError, ValueError):
            continue
        if value == value:  # not NaN
            samples.append((dict(series.get("metric", {})), value))
    return samples


async def prometheus_vectors(client: httpx.AsyncClient, base_url: str | None) -> Fetched:
    """Every query of :data:`PROMETHEUS_QUERIES`; ``data`` maps its name to (labels, value) pairs."""
    if not base_url:
        return Fetched("prometheus", "", error="not configured")
    url = base_url.rstrip("/") + "/api/v1/query"

    async def one(query: str) -> list[tuple[dict[str, str], float]]:
        response = await client.get(url, params={"query": query})
        response.raise_for_status()
        return _vector(response.json())

    results = await asyncio.gather(*(one(q) for q in PROMETHEUS_QUERIES.values()), return_exceptions=True)
    errors = [result for result in results if isinstance(result, BaseException)]
    if len(errors) == len(results):
        error = errors[0]
        return Fetched(
            "prometheus", base_url, error=_describe(error) if isinstance(error, Exception) else "failed"
        )
    _last_seen["prometheus"] = datetime.now(UTC)
    data = {
        name: result
        for name, result in zip(PROMETHEUS_QUERIES, results, strict=True)
        if not isinstance(result, BaseException)
    }
    return Fetched("prometheus", base_url, data)
