"""Benchmark `itsm serve`: requests per second and latency, sequential and concurrent.

A fresh desk is made in a temporary folder (`itsm init`), the real server is started on it
(`python -m itsm serve --port 0`), and each scenario sends its requests over real HTTP on
127.0.0.1 from this process, one connection per request (the server speaks HTTP/1.0):

    GET  /healthz                no token, no desk: the HTTP layer alone
    POST /alerts/generic         each a new alert (its own dedup key): a ticket and a commit each
    POST /alerts/generic again   the same alerts repeated: found and left unchanged, no commit
    GET  /                       the dashboard, rebuilt from the read model each time

each sequentially and from `--clients` threads at once. Every answer must be 2xx (the table
counts the others). With `--url URL` it measures a server already running there instead
(health only, unless its token is in $ITSM_SERVE_TOKEN), e.g. the same desk behind another
front end.

    .venv/bin/python scripts/bench_serve.py
    .venv/bin/python scripts/bench_serve.py --health 1000 --posts 100 --clients 20

docs/serve.md gives the results and what they mean for the choice of http.server.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tabulate import tabulate

NOW = "2026-11-26T09:00:00Z"
TOKEN = "bench-token-0123456789abcdef"

Request = tuple[str, str, bytes | None]  # method, path, body


@dataclass(frozen=True)
class Result:
    scenario: str
    clients: int
    count: int
    seconds: float
    latencies_ms: list[float]
    failed: int

    def row(self) -> list[object]:
        ordered = sorted(self.latencies_ms)
        return [self.scenario, self.clients, self.count, f"{self.count / self.seconds:.0f}",
                f"{statistics.median(ordered):.1f}", f"{_percentile(ordered, 95):.1f}", f"{ordered[-1]:.1f}",
                self.failed]


def _percentile(ordered: Sequence[float], pct: float) -> float:
    """The nearest-rank percentile of sorted values."""
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def generic_alert(n: int) -> bytes:
    return json.dumps({
        "title": f"Disk almost full on fs{n:03d}",
        "description": f"/srv on fs{n:03d} is 95% full",
        "severity": "warning",
        "source": "bench",
        "dedup_key": f"bench-disk-fs{n:03d}",
    }).encode()


def send(host: str, port: int, request: Request, token: str | None) -> tuple[int, float]:
    method, path, body = request
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    began = time.perf_counter()
    connection = http.client.HTTPConnection(host, port, timeout=120)
    try:
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        answer.read()
        status = answer.status
    except OSError:
        status = 0
    finally:
        connection.close()
    return status, (time.perf_counter() - began) * 1000


def measure(scenario: str, host: str, port: int, requests: list[Request], clients: int,
            token: str | None) -> Result:
    def one(request: Request) -> tuple[int, float]:
        return send(host, port, request, token)

    began = time.perf_counter()
    if clients == 1:
        answers = [one(r) for r in requests]
    else:
        with ThreadPoolExecutor(max_workers=clients) as pool:
            answers = list(pool.map(one, requests))
    seconds = time.perf_counter() - began
    return Result(scenario, clients, len(requests), seconds, [ms for _, ms in answers],
                  sum(1 for status, _ in answers if not 200 <= status < 300))


def start_server(desk: Path) -> tuple[subprocess.Popen[str], int]:
    env = {**os.environ, "ITSM_SERVE_TOKEN": TOKEN, "ITSM_NOW": NOW, "ITSM_ACTOR": "Bench Runner",
           "GIT_AUTHOR_NAME": "Bench Runner", "GIT_AUTHOR_EMAIL": "bench@example.org",
           "GIT_COMMITTER_NAME": "Bench Runner", "GIT_COMMITTER_EMAIL": "bench@example.org"}
    subprocess.run([sys.executable, "-m", "itsm", "init", str(desk)], env=env, check=True, capture_output=True)
    process = subprocess.Popen([sys.executable, "-m", "itsm", "serve", "--port", "0"], cwd=desk, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=open(desk.parent / "serve.log", "w"))  # noqa: SIM115
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("itsm serve: listening on "):
        raise SystemExit(f"the server did not start: {(desk.parent / 'serve.log').read_text()}")
    return process, int(line.rstrip("/\n").rsplit(":", 1)[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--health", type=int, default=1000, help="GET /healthz requests per run (default 1000)")
    parser.add_argument("--posts", type=int, default=100, help="POST /alerts/generic requests per run (default 100)")
    parser.add_argument("--pages", type=int, default=20, help="GET / requests per run (default 20)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--url", help="measure the server at this URL instead of starting one")
    args = parser.parse_args(argv)

    process: subprocess.Popen[str] | None = None
    with tempfile.TemporaryDirectory(prefix="itsm-bench-serve-") as folder:
        if args.url:
            where = urllib.parse.urlsplit(args.url)
            host, port = where.hostname or "127.0.0.1", where.port or 80
            token = os.environ.get("ITSM_SERVE_TOKEN")
        else:
            process, port = start_server(Path(folder) / "desk")
            host, token = "127.0.0.1", TOKEN
        runs: list[tuple[str, Callable[[int], list[Request]], int, bool]] = [
            ("GET /healthz", lambda n: [("GET", "/healthz", None)] * n, args.health, False),
            ("POST /alerts/generic (new)", lambda n: [("POST", "/alerts/generic", generic_alert(i)) for i in range(n)],
             args.posts, True),
            ("POST /alerts/generic (repeat)",
             lambda n: [("POST", "/alerts/generic", generic_alert(i)) for i in range(n)], args.posts, True),
            ("GET / (dashboard)", lambda n: [("GET", "/", None)] * n, args.pages, True),
        ]
        results = []
        try:
            for scenario, make, count, needs_token in runs:
                if (needs_token and not token) or count == 0:
                    continue
                for clients in (1, args.clients):
                    # The concurrent run of new alerts takes other keys than the sequential one.
                    offset = args.posts if "(new)" in scenario and clients > 1 else 0
                    requests = make(count + offset)[offset:]
                    results.append(measure(scenario, host, port, requests, clients, token))
        finally:
            if process is not None:
                process.send_signal(signal.SIGTERM)
                code = process.wait(timeout=60)
                if code != 0:
                    print(f"the server exited with {code}", file=sys.stderr)
    print(f"itsm serve on {platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} cores; one connection per request")
    print(tabulate([r.row() for r in results],
                   headers=["scenario", "clients", "requests", "req/s", "p50 ms", "p95 ms", "max ms", "failed"],
                   tablefmt="github"))
    return 1 if any(r.failed for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
