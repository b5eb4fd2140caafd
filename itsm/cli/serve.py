"""`itsm serve`: the HTTP receiver for alerts and mail, and the dashboard (itsm/web/server.py)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from itsm.cli.common import DeskOpt, boundary, open_desk
from itsm.core.terminal import warn


def register(app: typer.Typer) -> None:
    app.command("serve")(boundary(serve_cmd))


def serve_cmd(
    host: Annotated[str | None, typer.Option("--host", metavar="ADDRESS", show_default=False,
                                             help="Address to listen on. Default: serve.host in itsm.yaml (127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option("--port", metavar="PORT", min=0, max=65535, show_default=False,
                                             help="Port to listen on; 0 picks a free one. "
                                                  "Default: serve.port in itsm.yaml (8025).")] = None,
    timeout: Annotated[float, typer.Option("--timeout", metavar="SECONDS", min=0.1,
                                           help="A request must arrive whole within this; then the connection "
                                                "is dropped (408 when its body was late).")] = 30.0,
    desk: DeskOpt = None,
) -> None:
    """Receive alerts and mail over HTTP, and serve the report's dashboard.

    POST /alerts/alertmanager, /alerts/generic (JSON) and /email (a raw message) record
    tickets as `itsm ingest` does, each with Authorization: Bearer $ITSM_SERVE_TOKEN (at least
    16 characters; from the environment, since itsm.yaml is committed). GET / is the dashboard
    (the read token $ITSM_SERVE_READ_TOKEN, or the same token; a browser asks for it as a
    password); GET /healthz needs none. Prints `itsm serve: listening on URL` once it listens;
    SIGTERM or Ctrl-C finish the requests in flight and stop. Details: docs/serve.md.

    Example: ITSM_SERVE_TOKEN=$(openssl rand -hex 32) itsm serve --port 8025
    """
    from itsm.reporting import desk_report
    from itsm.web import server

    the_desk = open_desk(desk)
    token, read_token = server.tokens_from(os.environ)
    settings = server.Settings(root=the_desk.root, token=token, read_token=read_token,
                              max_body=the_desk.config.serve.max_body, dashboard=desk_report.dashboard,
                              request_seconds=timeout)
    chosen_host = host if host is not None else the_desk.config.serve.host
    chosen_port = port if port is not None else the_desk.config.serve.port
    if chosen_host not in server.LOCAL_HOSTS:
        warn(f"listening on {chosen_host}: the dashboard and the posts are reachable from the network; "
             "put a TLS proxy in front of it (docs/serve.md)")

    def listening(url: str) -> None:
        print(f"itsm serve: listening on {url}", flush=True)

    server.run(chosen_host, chosen_port, settings, listening)
