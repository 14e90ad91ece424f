"""Service-level recording rules and alerts, generated because every service and window gets the same rules.

The app labels requests by route template (``path``); a service is found from the path's first segment
(``/finance/...`` and ``/api/finance/...`` are finance; anything that is not one of the six services is
platform). Each SLI is recorded for every window the multiwindow burn-rate alerts need (Google SRE
workbook, chapter 5: page at 14.4x over 1 h and 5 m or 6x over 6 h and 30 m; ticket at 3x over 1 d and
2 h or 1x over 3 d and 6 h).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SERVICES = ("finance", "subsidy", "policy", "billing", "participation", "disclosure")
FALLBACK_SERVICE = "platform"
WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")

AVAILABILITY_OBJECTIVE = 0.999  # 99.9 % of requests answer without a 5xx
LATENCY_OBJECTIVE = 0.99  # 99 % of requests answer within LATENCY_THRESHOLD_SECONDS
LATENCY_THRESHOLD_SECONDS = "1.0"  # a histogram bucket bound, spelled as prometheus_client writes `le`
P95_LATENCY_ALERT_SECONDS = 1.0
INSTANCE_5XX_RATIO_ALERT = 0.05


@dataclass(frozen=True)
class BurnWindowPair:
    """A long window that shows the budget is really burning and a short one that shows it still is."""

    factor: float
    long: str
    short: str


PAGE_PAIRS = (BurnWindowPair(14.4, "1h", "5m"), BurnWindowPair(6, "6h", "30m"))
TICKET_PAIRS = (BurnWindowPair(3, "1d", "2h"), BurnWindowPair(1, "3d", "6h"))


def runbook(name: str) -> str:
    """The runbook link every alert carries."""
    return f"runbooks/{name}.md"


def with_service_label(vector: str) -> str:
    """Add ``service`` to each series of ``vector`` from its route template ``path``."""
    services = "|".join(SERVICES)
    named = f'label_replace({vector}, "service", "$2", "path", "/(api/)?({services})(/.*)?")'
    return f'label_replace({named}, "service", "{FALLBACK_SERVICE}", "service", "")'


def _by_service(selector: str, window: str, *, extra_by: str = "") -> str:
    return f"sum by (region, service{extra_by}) ({with_service_label(f'rate({selector}[{window}])')})"


def recording_rules() -> list[dict[str, str]]:
    """Request, error and slow-request rates and ratios per region and service, for every window."""
    rules: list[dict[str, str]] = []
    for window in WINDOWS:
        requests = f"service:lofin_requests:rate{window}"
        errors = f"service:lofin_requests_errors:rate{window}"
        failing = _by_service('lofin_requests_total{status_code=~"5.."}', window)
        fast = _by_service(
            f'lofin_request_duration_seconds_bucket{{le="{LATENCY_THRESHOLD_SECONDS}"}}', window
        )
        timed = _by_service("lofin_request_duration_seconds_count", window)
        rules += [
            {"record": requests, "expr": _by_service("lofin_requests_total", window)},
            # A service that never failed has no 5xx series; record 0 for it rather than nothing.
            {"record": errors, "expr": f"{failing}\nor\n0 * {requests}"},
            {
                "record": f"service:lofin_requests_errors:ratio_rate{window}",
                "expr": f"{errors}\n/\n{requests}",
            },
            {
                "record": f"service:lofin_requests_slow:ratio_rate{window}",
                "expr": f"1 - (\n  {fast}\n  /\n  {timed}\n)",
            },
        ]
    rules += [
        {
            "record": "service:lofin_request_duration_seconds:p95_5m",
            "expr": "histogram_quantile(0.95, "
            + _by_service("lofin_request_duration_seconds_bucket", "5m", extra_by=", le")
            + ")",
        },
        {
            "record": "instance:lofin_requests_errors:ratio_rate5m",
            "expr": (
                'sum by (region, instance) (rate(lofin_requests_total{status_code=~"5.."}[5m]))\n'
                "/\nsum by (region, instance) (rate(lofin_requests_total[5m]))"
            ),
        },
    ]
    return rules


def _burn_expr(ratio: str, budget: float, pairs: tuple[BurnWindowPair, ...]) -> str:
    terms = [
        f"(\n  service:{ratio}:ratio_rate{pair.long} > ({pair.factor:g} * {budget:g})\n"
        f"  and\n  service:{ratio}:ratio_rate{pair.short} > ({pair.factor:g} * {budget:g})\n)"
        for pair in pairs
    ]
    return "\nor\n".join(terms)


def _burn_alert(slo: str, severity: str, pairs: tuple[BurnWindowPair, ...]) -> dict[str, Any]:
    ratio, budget, what = {
        "availability": ("lofin_requests_errors", 1 - AVAILABILITY_OBJECTIVE, "failing (5xx)"),
        "latency": (
            "lofin_requests_slow",
            1 - LATENCY_OBJECTIVE,
            f"slower than {LATENCY_THRESHOLD_SECONDS} s",
        ),
    }[slo]
    windows = " or ".join(f"{p.factor:g}x over {p.long} and {p.short}" for p in pairs)
    speed = "within days" if severity == "page" else "before the month ends"
    return {
        "alert": f"{slo.capitalize()}BudgetBurn{severity.capitalize()}",
        "expr": _burn_expr(ratio, budget, pairs),
        "labels": {"severity": severity, "slo": slo, "level": "service"},
        "annotations": {
            "summary": (
                f"{{{{ $labels.service }}}} in {{{{ $labels.region }}}}: so many requests are {what} "
                f"that the month's error budget will be gone {speed}."
            ),
            "description": f"Burn rate {windows} of the {slo} budget ({budget:.3g} of requests).",
            "runbook_url": runbook("daily-inspection"),
        },
    }


def alert_rules() -> list[dict[str, Any]]:
    """Burn-rate alerts for both SLOs, plus per-instance error ratio and per-service p95 latency."""
    alerts = [
        _burn_alert(slo, severity, pairs)
        for slo in ("availability", "latency")
        for severity, pairs in (("page", PAGE_PAIRS), ("ticket", TICKET_PAIRS))
    ]
    alerts += [
        {
            "alert": "AppInstance5xxRatioHigh",
            "expr": f"instance:lofin_requests_errors:ratio_rate5m > {INSTANCE_5XX_RATIO_ALERT:g}",
            "for": "5m",
            "labels": {"severity": "ticket", "level": "node"},
            "annotations": {
                "summary": (
                    "App instance {{ $labels.instance }} in {{ $labels.region }} answers "
                    "{{ $value | humanizePercentage }} of its requests with a server error."
                ),
                "runbook_url": runbook("daily-inspection"),
            },
        },
        {
            "alert": "AppLatencyP95High",
            "expr": f"service:lofin_request_duration_seconds:p95_5m > {P95_LATENCY_ALERT_SECONDS:g}",
            "for": "10m",
            "labels": {"severity": "ticket", "level": "service"},
            "annotations": {
                "summary": (
                    "{{ $labels.service }} in {{ $labels.region }} is slow: 1 request in 20 takes longer "
                    "than {{ $value | humanizeDuration }}."
                ),
                "runbook_url": runbook("daily-inspection"),
            },
        },
    ]
    return alerts


def rule_file() -> dict[str, Any]:
    """The whole ``slo.rules.yml`` document."""
    # One group: Prometheus evaluates a group's rules in order, so alerts read this evaluation's ratios;
    # separate groups run concurrently and an alert could read the previous evaluation's.
    return {"groups": [{"name": "lofin-slo", "rules": [*recording_rules(), *alert_rules()]}]}
