"""Grafana dashboards as code (grafana-foundation-sdk, Grafana 11.6 schema).

Four dashboards, each a function returning a builder: service overview, database clusters, DR
readiness and business activity. ``monitoring.build`` encodes them to ``monitoring/dashboards/*.json``
for real deployments; a test regenerates them and checks the committed JSON is current and that every
panel query parses. Queries use the recording rules in ``monitoring/rules`` where one exists, and fixed
windows rather than Grafana's ``$__rate_interval`` so the same text can be checked by promtool.
"""

from __future__ import annotations

from collections.abc import Callable

from grafana_foundation_sdk.builders import dashboard, prometheus, stat, table, timeseries
from grafana_foundation_sdk.cog.builder import Builder
from grafana_foundation_sdk.models.dashboard import (
    DataSourceRef,
    Panel,
    Threshold,
    ThresholdsMode,
)
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

from monitoring import slo

DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
GREEN, AMBER, RED = "green", "orange", "red"


def _query(expr: str, legend: str = "", ref_id: str = "A") -> prometheus.Dataquery:
    query = prometheus.Dataquery().expr(expr).ref_id(ref_id).datasource(DATASOURCE)
    return query.legend_format(legend) if legend else query


def _thresholds(*steps: tuple[float | None, str]) -> dashboard.ThresholdsConfig:
    return (
        dashboard.ThresholdsConfig()
        .mode(ThresholdsMode.ABSOLUTE)
        .steps([Threshold(value=value, color=color) for value, color in steps])
    )


def graph(
    title: str, unit: str, *queries: tuple[str, str], description: str = "", width: int = 12
) -> Builder[Panel]:
    """A time series panel: one line per series of each (expr, legend) query."""
    panel = timeseries.Panel().title(title).unit(unit).datasource(DATASOURCE).span(width).height(8)
    for ref_id, (expr, legend) in zip("ABCDEFGH", queries, strict=False):
        panel = panel.with_target(_query(expr, legend, ref_id))
    return panel.description(description) if description else panel


def big_number(
    title: str,
    unit: str,
    expr: str,
    legend: str,
    steps: tuple[tuple[float | None, str], ...],
    *,
    description: str = "",
    width: int = 6,
) -> Builder[Panel]:
    """A stat panel coloured by thresholds; the legend names each value so colour is never the only cue."""
    panel = (
        stat.Panel()
        .title(title)
        .unit(unit)
        .datasource(DATASOURCE)
        .span(width)
        .height(5)
        .with_target(_query(expr, legend).instant())
        .thresholds(_thresholds(*steps))
    )
    return panel.description(description) if description else panel


def listing(title: str, expr: str, *, description: str = "", width: int = 24) -> Builder[Panel]:
    """A table of the current series of ``expr`` with their labels."""
    panel = (
        table.Panel()
        .title(title)
        .datasource(DATASOURCE)
        .span(width)
        .height(8)
        .with_target(_query(expr).instant().format(PromQueryFormat.TABLE))
    )
    return panel.description(description) if description else panel


def _base(uid: str, title: str, tags: list[str]) -> dashboard.Dashboard:
    return (
        dashboard.Dashboard(title)
        .uid(uid)
        .tags(["lofin", *tags])
        .refresh("30s")
        .time("now-6h", "now")
        .timezone("browser")
        .with_variable(dashboard.DatasourceVariable("datasource").label("Prometheus").type("prometheus"))
    )


def service_overview() -> dashboard.Dashboard:
    """Per service: traffic, errors, latency and the availability budget left."""
    budget = 1 - slo.AVAILABILITY_OBJECTIVE
    failing_30d = slo.with_service_label('increase(lofin_requests_total{status_code=~"5.."}[30d])')
    all_30d = slo.with_service_label("increase(lofin_requests_total[30d])")
    budget_left = (
        f"1 - (sum by (service) ({failing_30d}) or sum by (service) (0 * {all_30d}))"
        f" / sum by (service) ({all_30d}) / {budget:g}"
    )
    return (
        _base("lofin-service-overview", "lofin / Service overview", ["slo"])
        .with_row(dashboard.Row("Traffic and errors"))
        .with_panel(
            graph("Requests per second", "reqps", ("service:lofin_requests:rate5m", "{{service}} {{region}}"))
        )
        .with_panel(
            graph(
                "Server errors (5xx share)",
                "percentunit",
                ("service:lofin_requests_errors:ratio_rate5m", "{{service}} {{region}}"),
            )
        )
        .with_panel(
            graph(
                "Latency p95",
                "s",
                ("service:lofin_request_duration_seconds:p95_5m", "{{service}} {{region}}"),
                description=f"Alert AppLatencyP95High above {slo.P95_LATENCY_ALERT_SECONDS:g} s for 10 minutes.",
            )
        )
        .with_panel(
            graph(
                f"Requests slower than {slo.LATENCY_THRESHOLD_SECONDS} s",
                "percentunit",
                ("service:lofin_requests_slow:ratio_rate5m", "{{service}} {{region}}"),
            )
        )
        .with_row(dashboard.Row("Error budget (30 days)"))
        .with_panel(
            big_number(
                "Availability budget left",
                "percentunit",
                budget_left,
                "{{service}}",
                ((None, RED), (0.25, AMBER), (0.5, GREEN)),
                description=f"Objective {slo.AVAILABILITY_OBJECTIVE:.1%} of requests without a 5xx over 30 days.",
                width=24,
            )
        )
        .with_panel(
            graph(
                "Availability burn rate (1 h)",
                "short",
                (f"service:lofin_requests_errors:ratio_rate1h / {budget:g}", "{{service}} {{region}}"),
                description="1 spends the budget in exactly 30 days; the page alert starts at 14.4.",
            )
        )
        .with_panel(
            graph(
                "In-flight requests and database pool",
                "short",
                ("sum by (region, instance) (lofin_requests_in_progress)", "in flight {{instance}}"),
                ("sum by (region, instance) (lofin_db_pool_connections_in_use)", "pool in use {{instance}}"),
                ("sum by (region, instance) (lofin_db_pool_connections_open)", "pool open {{instance}}"),
            )
        )
    )


def database_clusters() -> dashboard.Dashboard:
    """Both regions' Patroni clusters: roles, lag, timeline, etcd and HAProxy."""
    return (
        _base("lofin-database-clusters", "lofin / Database clusters", ["database"])
        .with_row(dashboard.Row("Members"))
        .with_panel(
            listing(
                "Leaders (primary or standby leader)",
                "patroni_primary == 1 or patroni_standby_leader == 1",
                description="One row per cluster leader; __name__ says which kind.",
                width=12,
            )
        )
        .with_panel(
            big_number(
                "Leaders per cluster",
                "short",
                "sum by (region, scope) (patroni_primary + patroni_standby_leader)",
                "{{region}} {{scope}}",
                ((None, RED), (1, GREEN), (2, RED)),
                description="Exactly 1 is healthy: 0 is no leader, 2 is split brain.",
                width=12,
            )
        )
        .with_panel(
            big_number(
                "Synchronous standbys",
                "short",
                "sum by (region, scope) (patroni_sync_standby) and on (region, scope) max by (region, scope) (patroni_primary) == 1",
                "{{region}} {{scope}}",
                ((None, RED), (1, GREEN)),
                width=12,
            )
        )
        .with_panel(
            big_number(
                "Timeline",
                "none",
                "max by (region, scope) (patroni_postgres_timeline)",
                "{{region}} {{scope}}",
                ((None, GREEN),),
                description="Goes up by one at every failover or switchover.",
                width=12,
            )
        )
        .with_row(dashboard.Row("Replication"))
        .with_panel(graph("Replica lag", "bytes", ("lofin:patroni_replica_lag:bytes", "{{region}} {{name}}")))
        .with_panel(
            graph(
                "PostgreSQL running per member",
                "short",
                ("patroni_postgres_running", "{{region}} {{name}}"),
            )
        )
        .with_row(dashboard.Row("Consensus and routing"))
        .with_panel(graph("etcd has leader", "short", ("etcd_server_has_leader", "{{region}} {{node}}")))
        .with_panel(
            graph(
                "etcd WAL fsync p99",
                "s",
                (
                    "histogram_quantile(0.99, sum by (region, node, le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket[5m])))",
                    "{{region}} {{node}}",
                ),
            )
        )
        .with_panel(
            graph(
                "HAProxy servers UP per backend",
                "short",
                (
                    'sum by (region, node, proxy) (haproxy_server_status{state="UP"})',
                    "{{region}} {{node}} {{proxy}}",
                ),
                description="The -rw backend must show exactly 1 (the primary); -ro the number of healthy replicas.",
            )
        )
        .with_panel(
            graph(
                "Leader changes",
                "short",
                (
                    "sum by (region, scope) (changes(patroni_primary[10m]) + changes(patroni_standby_leader[10m]))",
                    "{{region}} {{scope}}",
                ),
            )
        )
    )


def dr_readiness() -> dashboard.Dashboard:
    """Is the DR site ready to take over: lag, streaming, backups, WAL archive, drills."""
    return (
        _base("lofin-dr-readiness", "lofin / DR readiness", ["dr"])
        .with_row(dashboard.Row("Standby cluster"))
        .with_panel(
            big_number(
                "DR standby lag",
                "s",
                "lofin:dr_standby_lag:seconds",
                "{{region}} {{name}}",
                ((None, GREEN), (5, AMBER), (60, RED)),
                description="Ticket above 5 s, page above 60 s.",
            )
        )
        .with_panel(
            big_number(
                "DR standby streaming",
                "short",
                "patroni_postgres_streaming and on (instance) patroni_standby_leader == 1",
                "{{region}} {{name}}",
                ((None, RED), (1, GREEN)),
                description="1 is streaming from the primary region; 0 is not.",
            )
        )
        .with_panel(
            big_number(
                "Bytes behind the primary",
                "bytes",
                "lofin:dr_standby_lag:bytes",
                "{{region}} {{name}}",
                ((None, GREEN), (16 * 1024 * 1024, AMBER), (256 * 1024 * 1024, RED)),
            )
        )
        .with_panel(
            big_number(
                "Primary runs in",
                "short",
                "count by (region, site) (patroni_primary == 1)",
                "{{region}} ({{site}} site)",
                ((None, GREEN),),
            )
        )
        .with_panel(
            graph(
                "DR standby lag over time",
                "s",
                ("lofin:dr_standby_lag:seconds", "{{region}} {{name}}"),
                width=24,
            )
        )
        .with_row(dashboard.Row("Backups and WAL archive"))
        .with_panel(
            big_number(
                "Age of the last backup",
                "s",
                "time() - max by (stanza) (pgbackrest_last_backup_timestamp_seconds)",
                "{{stanza}}",
                ((None, GREEN), (20 * 3600, AMBER), (26 * 3600, RED)),
                width=8,
            )
        )
        .with_panel(
            big_number(
                "WAL archive failures (1 h)",
                "short",
                "sum by (region, node) (increase(pg_stat_archiver_failed_count[1h]))",
                "{{region}} {{node}}",
                ((None, GREEN), (1, RED)),
                width=8,
            )
        )
        .with_panel(
            big_number(
                "Seconds since last archived WAL",
                "s",
                "min by (region) (pg_stat_archiver_last_archive_age)",
                "{{region}}",
                ((None, GREEN), (600, AMBER), (3600, RED)),
                width=8,
            )
        )
        .with_row(dashboard.Row("Drills"))
        .with_panel(
            big_number(
                "Days since each drill last passed",
                "d",
                "(time() - lofin_drill_last_success_timestamp_seconds) / 86400",
                "{{scenario}}",
                ((None, GREEN), (25, AMBER), (30, RED)),
                width=24,
            )
        )
    )


def business_activity() -> dashboard.Dashboard:
    """What the services are doing for people: payments, bills, votes, subsidy risk alerts."""
    return (
        _base("lofin-business-activity", "lofin / Business activity", ["business"])
        .with_row(dashboard.Row("Work done"))
        .with_panel(
            graph(
                "Payment orders paid per minute",
                "short",
                ("sum by (region) (rate(lofin_payment_orders_paid_total[5m])) * 60", "{{region}}"),
            )
        )
        .with_panel(
            graph(
                "Invoices submitted per minute",
                "short",
                ("sum by (region) (rate(lofin_invoices_submitted_total[5m])) * 60", "{{region}}"),
            )
        )
        .with_panel(
            graph(
                "Votes cast per minute",
                "short",
                ("sum by (region) (rate(lofin_votes_cast_total[5m])) * 60", "{{region}}"),
            )
        )
        .with_panel(
            graph(
                "Subsidy risk alerts raised per hour",
                "short",
                ("sum by (rule) (rate(lofin_subsidy_risk_alerts_total[1h])) * 3600", "{{rule}}"),
            )
        )
        .with_row(dashboard.Row("Use"))
        .with_panel(
            graph(
                "Requests per service",
                "reqps",
                ("sum by (service) (service:lofin_requests:rate5m)", "{{service}}"),
            )
        )
        .with_panel(
            graph(
                "Firing operational alerts",
                "short",
                ('count by (severity) (ALERTS{alertstate="firing"})', "{{severity}}"),
            )
        )
    )


DASHBOARDS: dict[str, Callable[[], dashboard.Dashboard]] = {
    "service-overview": service_overview,
    "database-clusters": database_clusters,
    "dr-readiness": dr_readiness,
    "business-activity": business_activity,
}
