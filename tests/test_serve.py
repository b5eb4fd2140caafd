"""`itsm serve` over real HTTP: the real `python -m itsm serve --port 0` process on a fresh
desk, spoken to with http.client (or a raw socket, where a client library would fix the
request up), on 127.0.0.1. What the issue promises: the routes, the token (401, nothing
written), the body cap (413 before the body is read), malformed JSON (400), 20 concurrent
posts (no ticket lost or doubled, one commit each, `itsm check` clean), the dashboard read
afresh, and a SIGTERM that lets the request in flight finish and exits 0.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RunItsm, commit_all, free_port, git, readme_block, run_shell, snapshot

# `itsm serve` is a process: started, posted to, signalled and stopped.
pytestmark = pytest.mark.process

TOKEN = "post-token-0123456789abcdef"
READ_TOKEN = "read-token-0123456789abcdef"
MAX_BODY = 10 * 1024 * 1024  # the default of serve.max_body


@dataclass
class Served:
    process: subprocess.Popen[str]
    port: int
    log: Path

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            answer = connection.getresponse()
            return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
        finally:
            connection.close()

    def post(self, path: str, body: bytes, token: str | None = TOKEN) -> tuple[int, dict[str, Any]]:
        status, _, data = self.request("POST", path, body, {"Authorization": f"Bearer {token}"} if token else {})
        return status, json.loads(data)

    def raw(self, data: bytes) -> bytes:
        """Send exactly `data` and read the answer until the server closes."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sock:
            sock.sendall(data)
            return _read_all(sock)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        return self.process.wait(timeout=30)

    def logged(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _status_and_json(answer: bytes) -> tuple[int, dict[str, Any]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), json.loads(body)


def start(desk: Path, *args: str, env: dict[str, str] | None = None) -> Served:
    log = desk.parent / f"serve-{time.monotonic_ns()}.log"
    with open(log, "w") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "itsm", "serve", "--port", "0", *args], cwd=desk, text=True,
            stdout=subprocess.PIPE, stderr=errors, env={**os.environ, "ITSM_SERVE_TOKEN": TOKEN, **(env or {})})
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("itsm serve: listening on http://127.0.0.1:"), (line, log.read_text())
    return Served(process, int(line.rsplit(":", 1)[1].strip("/\n")), log)


@pytest.fixture
def served(desk: Path) -> Iterator[Served]:
    server = start(desk)
    yield server
    if server.process.poll() is None:
        assert server.stop() == 0, server.logged()
    assert "Traceback" not in server.logged()


def tickets(desk: Path) -> list[Path]:
    return sorted((desk / "tickets").rglob("*.md"))


def commits(desk: Path) -> int:
    return int(git(desk, "rev-list", "--count", "HEAD"))


def alertmanager(fingerprint: str, name: str, status: str = "firing") -> bytes:
    """An Alertmanager webhook (version 4) with one alert, as Alertmanager sends it."""
    labels = {"alertname": name, "severity": "critical", "service": "vpn", "instance": f"{name.lower()}:9100"}
    alert = {"status": status, "labels": labels,
             "annotations": {"summary": f"{name} is down", "description": f"{name} has not answered for 5 minutes"},
             "startsAt": "2026-11-26T08:55:00Z", "endsAt": "0001-01-01T00:00:00Z",
             "generatorURL": "http://prometheus:9090/graph?g0.expr=up", "fingerprint": fingerprint}
    return json.dumps({
        "version": "4", "groupKey": f'{{}}:{{alertname="{name}"}}', "truncatedAlerts": 0, "status": status,
        "receiver": "itsm", "groupLabels": {"alertname": name}, "commonLabels": labels,
        "commonAnnotations": alert["annotations"], "externalURL": "http://alertmanager:9093", "alerts": [alert],
    }).encode()


# -- health, routes, methods -------------------------------------------------------------------


def test_healthz_answers_without_a_token(served: Served) -> None:
    status, headers, body = served.request("GET", "/healthz")
    assert (status, headers["content-type"], json.loads(body)) == (200, "application/json", {"ok": True})


@pytest.mark.parametrize(("method", "path", "status", "allow"), [
    ("GET", "/nope", 404, None),
    ("POST", "/nope", 404, None),
    ("GET", "/alerts/generic", 405, "POST"),
    ("GET", "/email", 405, "POST"),
    ("DELETE", "/alerts/alertmanager", 405, "POST"),
    ("POST", "/", 405, "GET, HEAD"),
    ("PUT", "/healthz", 405, "GET, HEAD"),
])
def test_an_unknown_path_is_404_and_a_wrong_method_405_as_json(served: Served, method: str, path: str,
                                                               status: int, allow: str | None) -> None:
    got, headers, body = served.request(method, path, b"{}" if method in ("POST", "PUT") else None,
                                        {"Authorization": f"Bearer {TOKEN}"})
    assert got == status
    assert headers.get("allow") == allow
    error = json.loads(body)["error"]
    assert list(json.loads(body)) == ["error"] and "\n" not in error and path in error


def test_http_servers_own_refusals_are_json_too(served: Served) -> None:
    status, error = _status_and_json(served.raw(b"BREW /pot HTTP/1.0\r\n\r\n"))
    assert status == 501 and "BREW" in error["error"]
    status, error = _status_and_json(served.raw(b"GET /healthz HTTP/9.9 extra\r\n\r\n"))
    assert status == 400 and error["error"]


# -- the post token -----------------------------------------------------------------------------


@pytest.mark.parametrize("authorization", [
    None, f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", f"Bearer {READ_TOKEN}", f"bearer{TOKEN}", TOKEN,
    "Basic " + base64.b64encode(f"alertmanager:{TOKEN}".encode()).decode(),  # Basic is for the dashboard only
])
def test_a_post_without_the_token_is_401_and_writes_nothing(desk: Path, authorization: str | None) -> None:
    server = start(desk, env={"ITSM_SERVE_READ_TOKEN": READ_TOKEN})
    try:
        before, head = snapshot(desk), git(desk, "rev-parse", "HEAD")
        for path, body in (("/alerts/alertmanager", alertmanager("a1b2c3d4e5f60718", "VpnDown")),
                           ("/alerts/generic", b'{"title": "Disk full on fs01"}'),
                           ("/email", b"From: ana@example.org\r\nSubject: help\r\n\r\nThe printer is down.\r\n")):
            status, headers, data = server.request("POST", path, body, {"Authorization": authorization} if authorization else {})
            assert status == 401, data
            assert headers["www-authenticate"] == 'Bearer realm="itsm"'
            assert "credentials" in json.loads(data)["error"]
        assert (snapshot(desk), git(desk, "rev-parse", "HEAD")) == (before, head)
    finally:
        assert server.stop() == 0


@pytest.mark.parametrize(("env", "refusal"), [
    ({}, "itsm: error: $ITSM_SERVE_TOKEN is not set: every POST must carry it as a bearer token "
         "(e.g. export ITSM_SERVE_TOKEN=$(openssl rand -hex 32); itsm.yaml is committed to git, "
         "so the token is never kept there)"),
    ({"ITSM_SERVE_TOKEN": "s3cret-but-short"[:15]},
     "itsm: error: $ITSM_SERVE_TOKEN is 15 characters long; it must have at least 16 "
     "(e.g. export ITSM_SERVE_TOKEN=$(openssl rand -hex 32))"),
    ({"ITSM_SERVE_TOKEN": TOKEN, "ITSM_SERVE_READ_TOKEN": "short"},
     "itsm: error: $ITSM_SERVE_READ_TOKEN is 5 characters long; it must have at least 16 "
     "(e.g. export ITSM_SERVE_READ_TOKEN=$(openssl rand -hex 32))"),
    ({"ITSM_SERVE_TOKEN": "with a space in it, 0123456789"},
     "itsm: error: $ITSM_SERVE_TOKEN may hold only printable ASCII characters without spaces "
     "(e.g. export ITSM_SERVE_TOKEN=$(openssl rand -hex 32))"),
])
def test_the_server_refuses_to_start_without_a_good_token(desk: Path, run_itsm: RunItsm, env: dict[str, str],
                                                          refusal: str) -> None:
    before = snapshot(desk)
    done = run_itsm("serve", "--port", "0", env=env)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", refusal + "\n")
    assert snapshot(desk) == before


def test_a_port_in_use_is_refused_in_one_line(desk: Path, run_itsm: RunItsm, served: Served) -> None:
    done = run_itsm("serve", "--port", str(served.port), env={"ITSM_SERVE_TOKEN": TOKEN})
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"itsm: error: cannot listen on http://127.0.0.1:{served.port}/: ")
    assert done.stderr.count("\n") == 1


def test_a_host_beyond_this_machine_is_warned_about(desk: Path) -> None:
    server = start(desk, "--host", "127.0.0.1")
    assert server.stop() == 0
    assert "warning" not in server.logged()
    log = desk.parent / "wide.log"
    with open(log, "w") as errors:
        process = subprocess.Popen([sys.executable, "-m", "itsm", "serve", "--host", "0.0.0.0", "--port", "0"],
                                   cwd=desk, text=True, stdout=subprocess.PIPE, stderr=errors,
                                   env={**os.environ, "ITSM_SERVE_TOKEN": TOKEN})
    assert process.stdout is not None
    assert process.stdout.readline().startswith("itsm serve: listening on http://0.0.0.0:")
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert log.read_text().startswith(
        "itsm: warning: listening on 0.0.0.0: the dashboard and the posts are reachable from the network; "
        "put a TLS proxy in front of it (docs/serve.md)\n")


# -- limits -------------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_413_before_it_is_read(desk: Path, served: Served) -> None:
    """The headers alone (no byte of the body is ever sent) already get the 413."""
    before, head = snapshot(desk), git(desk, "rev-parse", "HEAD")
    for path in ("/alerts/alertmanager", "/alerts/generic", "/email"):
        status, error = _status_and_json(served.raw(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
            f"Content-Length: {MAX_BODY + 1}\r\n\r\n".encode()))
        assert status == 413
        assert error == {"error": f"the body is {MAX_BODY + 1} bytes; this desk takes at most {MAX_BODY} "
                                  "(serve.max_body in itsm.yaml)"}
    assert (snapshot(desk), git(desk, "rev-parse", "HEAD")) == (before, head)


def test_the_limit_is_the_desks_serve_max_body(desk: Path) -> None:
    """A client that sends the whole oversize body at once still reads the 413 (the server
    drops what it did not read before closing, so the client sees no reset)."""
    config = desk / "itsm.yaml"
    text = config.read_text()
    assert "  max_body: 10MB\n" in text
    config.write_text(text.replace("  max_body: 10MB\n", "  max_body: 1KB\n"))
    commit_all(desk, "serve: 1KB")
    server = start(desk)
    try:
        before = snapshot(desk)
        body = alertmanager("a1b2c3d4e5f60718", "VpnDown" + "x" * 2000)
        status, answer = server.post("/alerts/alertmanager", body)
        assert (status, answer) == (413, {"error": f"the body is {len(body)} bytes; this desk takes at most 1024 "
                                                   "(serve.max_body in itsm.yaml)"})
        status, answer = server.post("/email", b"x" * 5_000_000)
        assert status == 413
        assert snapshot(desk) == before
    finally:
        assert server.stop() == 0


@pytest.mark.parametrize(("headers", "error"), [
    ("", "a POST needs a Content-Length"),
    ("Transfer-Encoding: chunked\r\n", "chunked transfer is not accepted; send a Content-Length"),
    ("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "chunked transfer is not accepted; send a Content-Length"),
])
def test_a_post_without_a_content_length_is_411(desk: Path, served: Served, headers: str, error: str) -> None:
    before = snapshot(desk)
    status, answer = _status_and_json(served.raw(
        f"POST /alerts/generic HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n{headers}\r\n"
        "5\r\n{}{}\r\n0\r\n\r\n".encode()))
    assert (status, answer) == (411, {"error": error})
    assert snapshot(desk) == before


@pytest.mark.parametrize("length", ["-1", "1e3", "12, 13", "٣"])
def test_a_content_length_that_is_not_one_number_is_400(served: Served, length: str) -> None:
    status, answer = _status_and_json(served.raw(
        f"POST /alerts/generic HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
        f"Content-Length: {length}\r\n\r\n{{}}".encode()))
    assert (status, answer) == (400, {"error": "the Content-Length is not one number"})


@pytest.mark.parametrize(("body", "error"), [
    (b"{not json", "the payload is not JSON: Expecting property name enclosed in double quotes (line 1, column 2)"),
    (b"", "the payload is not JSON: Expecting value (line 1, column 1)"),
    (b'{"title": "VPN\ndown"}', "the payload is not JSON: Invalid control character at (line 1, column 15)"),
    (b'{"title": "caf\xe9"}', "the payload is not UTF-8 text"),
])
@pytest.mark.parametrize("path", ["/alerts/alertmanager", "/alerts/generic"])
def test_malformed_json_is_400_with_a_one_line_reason(desk: Path, served: Served, path: str, body: bytes,
                                                      error: str) -> None:
    before = snapshot(desk)
    assert served.post(path, body) == (400, {"error": error})
    assert snapshot(desk) == before


def test_a_slow_client_is_cut_off_at_the_deadline(desk: Path) -> None:
    """--timeout 1: a body still short after a second gets 408; headers trickled in a byte
    at a time are dropped at the deadline, not whenever the client stops."""
    server = start(desk, "--timeout", "1")
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.sendall(f"POST /alerts/generic HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
                         "Content-Length: 100\r\n\r\n{".encode())
            began = time.monotonic()
            status, answer = _status_and_json(_read_all(sock))
            assert (status, answer) == (408, {"error": "the request took longer than 1 s"})
            assert time.monotonic() - began < 5
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            began, closed = time.monotonic(), False
            for byte in b"GET /healthz HTTP/1.0\r\nX-Slow: " + b"a" * 100:  # 6.5 s at this pace
                try:
                    sock.sendall(bytes([byte]))
                    if select.select([sock], [], [], 0.05)[0]:
                        closed = sock.recv(1) == b""
                        break
                except OSError:  # reset: the server closed and we wrote on
                    closed = True
                    break
            assert closed and time.monotonic() - began < 4
        assert "Request timed out" in server.logged()
    finally:
        assert server.stop() == 0


def test_connections_beyond_the_limit_get_503_at_once(desk: Path) -> None:
    """64 connections that send nothing hold their threads; the 65th is answered 503 at once,
    and once they close, requests are served again."""
    server = start(desk, "--timeout", "20")
    idle = [socket.create_connection(("127.0.0.1", server.port), timeout=30) for _ in range(64)]
    try:
        time.sleep(1.0)  # every one accepted, its thread waiting for a request line
        began = time.monotonic()
        status, answer = _status_and_json(server.raw(b"GET /healthz HTTP/1.0\r\n\r\n"))
        assert (status, answer) == (503, {"error": "too many connections at once; try again in a moment"})
        assert time.monotonic() - began < 5
    finally:
        for sock in idle:
            sock.close()
    deadline = time.monotonic() + 10
    while (got := server.request("GET", "/healthz")[0]) == 503 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert got == 200
    assert server.stop() == 0
    assert "refused: 64 connections are being served (503)" in server.logged()


# -- the dashboard ------------------------------------------------------------------------------


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize(("read_token", "authorization", "status"), [
    (None, f"Bearer {TOKEN}", 200),
    (None, _basic("anyone", TOKEN), 200),
    (None, _basic("", TOKEN), 200),
    (None, None, 401),
    (None, _basic("anyone", "wrong-password-0123456789"), 401),
    (None, f"Bearer {READ_TOKEN}", 401),
    (READ_TOKEN, f"Bearer {READ_TOKEN}", 200),
    (READ_TOKEN, _basic("ana", READ_TOKEN), 200),
    (READ_TOKEN, f"Bearer {TOKEN}", 200),  # the post token reads too
    (READ_TOKEN, _basic("ana", TOKEN + "x"), 401),
    (READ_TOKEN, "Basic !!not-base64!!", 401),
])
def test_the_dashboard_takes_the_read_or_the_post_token_as_bearer_or_basic(
        desk: Path, read_token: str | None, authorization: str | None, status: int) -> None:
    server = start(desk, env={"ITSM_SERVE_READ_TOKEN": read_token} if read_token else {})
    try:
        got, headers, body = server.request("GET", "/", None, {"Authorization": authorization} if authorization else {})
        assert got == status
        if status == 200:
            assert headers["content-type"] == "text/html; charset=utf-8"
            assert headers["cache-control"] == "no-store"
            assert "script-src" not in headers["content-security-policy"]
            assert headers["content-security-policy"].startswith("default-src 'none'")
            assert body.startswith(b"<!DOCTYPE html>") and b"Service desk report" in body
        else:
            assert headers["www-authenticate"] == 'Basic realm="itsm", charset="UTF-8"'
            assert headers["content-type"] == "application/json" and json.loads(body)["error"]
    finally:
        assert server.stop() == 0


def test_the_dashboard_shows_a_ticket_made_a_moment_before(served: Served, run_itsm: RunItsm) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    status, _, first = served.request("GET", "/", None, auth)
    assert status == 200
    done = run_itsm("new", "VPN down for the Lyon office", "-c", "network/vpn", "--json")
    assert done.returncode == 0, done.stderr
    ticket_id = json.loads(done.stdout)["id"]
    assert ticket_id.encode() not in first
    status, _, page = served.request("GET", "/", None, auth)
    assert status == 200 and ticket_id.encode() in page
    status, headers, head = served.request("HEAD", "/", None, auth)
    assert (status, head) == (200, b"") and int(headers["content-length"]) > 1000


# -- the log ------------------------------------------------------------------------------------


def test_one_log_line_per_request_with_control_characters_escaped(served: Served) -> None:
    served.request("GET", "/healthz")
    served.raw(b"GET /\x1b[2Jx\x07 HTTP/1.0\r\n\r\n")
    served.request("POST", "/alerts/generic", b"{}", {"Authorization": "Bearer wrong"})
    assert served.stop() == 0
    lines = [line for line in served.logged().splitlines() if " 127.0.0.1 " in line]
    assert [line.rsplit(" ", 2)[0] for line in lines] == [
        "itsm serve: 127.0.0.1 GET /healthz 200",
        "itsm serve: 127.0.0.1 GET /\\x1b[2Jx\\x07 404",
        "itsm serve: 127.0.0.1 POST /alerts/generic 401",
    ]
    assert all(line.endswith(" ms") for line in lines)
    assert "itsm serve: SIGTERM: finishing the requests in flight, then stopping" in served.logged().splitlines()
    assert "\x1b" not in served.logged() and "\x07" not in served.logged()


# -- stopping -----------------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_lets_the_request_in_flight_finish_and_exits_0(desk: Path, sig: int) -> None:
    server = start(desk)
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(b"GET /healthz HTTP/1.0\r\n")  # the request has begun: the server is reading it
        time.sleep(0.5)
        server.process.send_signal(sig)
        time.sleep(0.5)
        assert server.process.poll() is None  # still finishing it
        sock.sendall(b"\r\n")
        status, answer = _status_and_json(_read_all(sock))
    assert (status, answer) == (200, {"ok": True})
    assert server.process.wait(timeout=30) == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=5).close()
    assert "Traceback" not in server.logged()


# -- posting (through itsm/operations/ingest.py) ---------------------------------------------------------


def test_an_alertmanager_post_opens_an_incident_in_one_commit(desk: Path, served: Served, run_itsm: RunItsm) -> None:
    before = commits(desk)
    status, answer = served.post("/alerts/alertmanager", alertmanager("a1b2c3d4e5f60718", "VpnDown"))
    assert status == 201, answer
    [taken] = answer["taken"]
    assert taken["action"] == "new" and set(taken) >= {"ticket", "action", "text"}
    assert [p.stem for p in tickets(desk)] == [taken["ticket"]]
    assert commits(desk) == before + 1
    shown = json.loads(run_itsm("show", taken["ticket"], "--json").stdout)
    assert shown["channel"] == "monitoring" and shown["fingerprint"]
    # The same notification again changes nothing: 200, no commit.
    status, answer = served.post("/alerts/alertmanager", alertmanager("a1b2c3d4e5f60718", "VpnDown"))
    assert status == 200 and [t["ticket"] for t in answer["taken"]] == [taken["ticket"]]
    assert len(tickets(desk)) == 1


def test_an_email_post_opens_a_ticket(desk: Path, served: Served, run_itsm: RunItsm) -> None:
    message = (b"From: Ana Lima <ana@example.org>\r\nTo: desk@example.org\r\nSubject: Printer on floor 2 jams\r\n"
               b"Message-ID: <jam-1@example.org>\r\nDate: Thu, 26 Nov 2026 08:30:00 +0000\r\n"
               b"Content-Type: text/plain; charset=utf-8\r\n\r\nIt jams on every second page.\r\n")
    status, answer = served.post("/email", message)
    assert status == 201, answer
    [taken] = answer["taken"]
    shown = json.loads(run_itsm("show", taken["ticket"], "--json").stdout)
    assert (shown["title"], shown["channel"]) == ("Printer on floor 2 jams", "email")
    status, again = served.post("/email", message)  # idempotent on Message-ID
    assert status == 200 and again["taken"][0]["ticket"] == taken["ticket"]
    assert len(tickets(desk)) == 1


def test_a_payload_the_ingest_refuses_is_400_and_writes_nothing(desk: Path, served: Served) -> None:
    before = snapshot(desk)
    for path, body in (("/alerts/alertmanager", b'{"version": "4", "alerts": "none"}'),
                       ("/alerts/generic", b"[1, 2, 3]")):
        status, answer = served.post(path, body)
        assert status == 400, answer
        assert list(answer) == ["error"] and answer["error"] and "\n" not in answer["error"]
    assert snapshot(desk) == before


def test_a_desk_that_cannot_take_a_post_now_answers_503_so_the_sender_retries(desk: Path, served: Served) -> None:
    """Alertmanager and mail gateways drop what gets a 4xx and send again what gets a 5xx:
    a merge in progress is the desk's state, not the alert's fault."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=desk, capture_output=True, text=True,
                          check=True).stdout.strip()
    (desk / ".git" / "MERGE_HEAD").write_text(head + "\n")
    before = snapshot(desk)
    status, answer = served.post("/alerts/alertmanager", alertmanager("00000000000000aa", "DiskFull"))
    assert status == 503 and "merge is in progress" in answer["error"]
    assert snapshot(desk) == before
    (desk / ".git" / "MERGE_HEAD").unlink()
    status, answer = served.post("/alerts/alertmanager", alertmanager("00000000000000aa", "DiskFull"))
    assert status == 201 and answer["taken"][0]["action"] == "new"


def test_20_concurrent_posts_of_distinct_alerts_make_20_tickets_in_20_commits(
        desk: Path, served: Served, run_itsm: RunItsm) -> None:
    before = commits(desk)
    bodies = [alertmanager(f"{n:016x}", f"Service{n:02d}Down") for n in range(20)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda body: served.post("/alerts/alertmanager", body), bodies))
    assert [status for status, _ in answers] == [201] * 20, answers
    made = [t["ticket"] for _, answer in answers for t in answer["taken"]]
    assert len(set(made)) == 20
    assert sorted(p.stem for p in tickets(desk)) == sorted(made)
    assert commits(desk) == before + 20
    assert git(desk, "status", "--porcelain") == ""
    checked = run_itsm("check")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_20_concurrent_posts_of_the_same_alert_make_exactly_one_ticket(
        desk: Path, served: Served, run_itsm: RunItsm) -> None:
    before = commits(desk)
    body = alertmanager("feedfacecafebeef", "VpnDown")
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _: served.post("/alerts/alertmanager", body), range(20)))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * 19 + [201], answers
    made = {t["ticket"] for _, answer in answers for t in answer["taken"]}
    assert len(made) == 1 and [p.stem for p in tickets(desk)] == list(made)
    changes = sum(1 for _, answer in answers for t in answer["taken"] if t["action"] != "unchanged")
    assert commits(desk) == before + changes
    checked = run_itsm("check")
    assert checked.returncode == 0, checked.stdout + checked.stderr


# -- README.md's block --------------------------------------------------------------------------


def test_the_readme_block_runs_as_written(desk: Path, tmp_path: Path) -> None:
    """README.md's "Receiving alerts and mail over HTTP" block, run with `bash -e` in a desk,
    on a free port in place of 8025 (the only change)."""
    block = readme_block("Receiving alerts and mail over HTTP")
    port = free_port()
    done = run_shell(block.replace("8025", str(port)), desk, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    listening, health, posted = done.stdout.splitlines()
    assert (listening, health) == (f"itsm serve: listening on http://127.0.0.1:{port}/", '{"ok": true}')
    [taken] = json.loads(posted)["taken"]
    assert taken["action"] == "new"
    assert [p.stem for p in tickets(desk)] == [taken["ticket"]]
    page = (desk / "dashboard.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and taken["ticket"] in page
    log = (desk / "serve.log").read_text(encoding="utf-8")
    assert "POST /alerts/generic 201" in log and "Traceback" not in log
