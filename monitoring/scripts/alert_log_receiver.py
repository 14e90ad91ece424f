"""An Alertmanager webhook receiver that appends every notification to a JSON-lines file.

Alertmanager POSTs to ``http://127.0.0.1:9095/alerts?severity=page|ticket`` (see
``monitoring/templates/alertmanager.yml.j2``); each line of the log is one alert with the receiving
time and the route's severity, so drills and people can see afterwards what fired and when::

    python3 alert_log_receiver.py --listen 127.0.0.1:9095 --log var/alerts.jsonl

Standard library only, so it runs on any monitoring host.
"""

from __future__ import annotations

import argparse
import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


def make_server(address: str, port: int, log: Path) -> ThreadingHTTPServer:
    """A server that appends each POSTed Alertmanager notification's alerts to ``log``."""
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            try:
                payload = json.loads(self.rfile.read(length))
                alerts = payload["alerts"]
            except (ValueError, KeyError):
                self.send_error(400, "expected an Alertmanager webhook payload")
                return
            route = parse_qs(urlsplit(self.path).query).get("severity", [""])[0]
            received = datetime.now(UTC).isoformat()
            lines = [
                json.dumps({"received": received, "route": route, **alert}, ensure_ascii=False)
                for alert in alerts
            ]
            with lock, log.open("a", encoding="utf-8") as handle:
                handle.writelines(line + "\n" for line in lines)
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the log file is the record."""

    return ThreadingHTTPServer((address, port), Handler)


def main(argv: list[str] | None = None) -> None:
    """Command line entry point: serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:9095", help="address:port")
    parser.add_argument("--log", type=Path, required=True, help="JSON-lines file to append to")
    args = parser.parse_args(argv)
    address, _, port = args.listen.rpartition(":")
    args.log.parent.mkdir(parents=True, exist_ok=True)
    with make_server(address, int(port), args.log) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
