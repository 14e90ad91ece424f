"""Monitoring as code: Prometheus and Alertmanager configs, rules, rule tests and Grafana dashboards."""
