"""`itsm serve`: a small HTTP receiver, so Alertmanager, a web form or a mail gateway can
post straight to the desk, and a person can look at the report's dashboard.

    POST /alerts/alertmanager   an Alertmanager webhook (version 4)      -> itsm/operations/ingest.py
    POST /alerts/generic        the generic alert JSON                   -> itsm/operations/ingest.py
    POST /email                 one raw RFC 5322 message                 -> itsm/operations/ingest.py
    GET  /healthz               {"ok": true}, no token
    GET  /                      the report's HTML dashboard, built afresh on every request

Built on the standard library's `http.server` (docs/serve.md has the measurements and the
reasons). What it adds to it, and why:

- every POST needs `Authorization: Bearer $ITSM_SERVE_TOKEN`; the dashboard takes
  `$ITSM_SERVE_READ_TOKEN` or the post token, as a bearer token or as the password of HTTP
  Basic auth (a browser asks for it). Tokens come from the environment because itsm.yaml is
  committed to git. Compared with `hmac.compare_digest`, so the time taken says nothing.
- a body is taken only with a `Content-Length` no larger than `serve.max_body`: a larger one
  gets 413 before one byte of it is read; no length 411; chunked transfer is not taken.
- every request has one deadline (`REQUEST_SECONDS`) for everything it sends, so a slow
  client holds its thread for that long at most, not for as long as it trickles bytes.
- every error is JSON, `{"error": "one line"}`; a bug's traceback goes to the server's stderr,
  never to the client.
- writes are serialised in the process by one lock around the ingest call (the desk's own
  lock, taken by the ingest like by every command, keeps other processes out), each on a
  freshly opened desk: a `Desk` caches its listings.
- SIGTERM and Ctrl-C stop accepting, let the requests being served finish, and return.
- one line per request on stderr: client, method, path, status, milliseconds, with control
  characters shown as escapes (`render.for_terminal`): the path is the client's text.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import http.server
import io
import json
import signal
import socket
import socketserver
import sys
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from types import FrameType
from typing import Any

from itsm.core.errors import UsageError
from itsm.core.terminal import for_terminal
from itsm.storage.store import Desk

TOKEN_ENV = "ITSM_SERVE_TOKEN"
READ_TOKEN_ENV = "ITSM_SERVE_READ_TOKEN"
MIN_TOKEN_LENGTH = 16
# The whole request (headers and body) must arrive within this (`--timeout`); then the
# connection is dropped. An Alertmanager post of a few KB takes milliseconds; 30 s is room for
# 10 MB of mail over a slow link.
REQUEST_SECONDS = 30.0
# After refusing a body it did not read, the server reads and drops what still comes for at
# most this long before closing: a socket closed with unread bytes is reset, and the client
# would see "connection reset" instead of the 401 or 413.
LINGER_SECONDS = 1.0
# At most this many connections are served at once (a thread each); one more is answered 503
# at once and closed, so a flood of connections cannot make threads without end.
MAX_CONNECTIONS = 64
BUSY = (b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
        b"Connection: close\r\n\r\n" b'{"error": "too many connections at once; try again in a moment"}\n')
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
POSTS = {"/alerts/alertmanager": "alertmanager", "/alerts/generic": "generic", "/email": "email"}
GETS = ("/", "/healthz")
# Actions of itsm/operations/ingest.py's `Taken` that made a ticket: the answer is 201 Created.
CREATING = ("new", "follow-up")
INTERNAL_ERROR = "internal error; see the server's log"
TOKEN_FIX = "e.g. export ITSM_SERVE_TOKEN=$(openssl rand -hex 32)"

Dashboard = Callable[[Desk], str]


@dataclass(frozen=True)
class Settings:
    root: Path
    token: bytes
    read_token: bytes | None
    max_body: int
    dashboard: Dashboard
    request_seconds: float = REQUEST_SECONDS


def tokens_from(environ: Mapping[str, str]) -> tuple[bytes, bytes | None]:
    """The post token and the read token (None: the post token reads too), or a refusal
    that says how to set them. A token shorter than 16 characters is guessable; one with
    spaces or non-ASCII characters cannot be sent reliably in a header."""
    token = environ.get(TOKEN_ENV, "")
    if not token:
        raise UsageError(f"${TOKEN_ENV} is not set: every POST must carry it as a bearer token",
                         hint=f"{TOKEN_FIX}; itsm.yaml is committed to git, so the token is never kept there")
    found = [(TOKEN_ENV, token)]
    read = environ.get(READ_TOKEN_ENV) or None
    if read is not None:
        found.append((READ_TOKEN_ENV, read))
    for name, value in found:
        if len(value) < MIN_TOKEN_LENGTH:
            raise UsageError(f"${name} is {len(value)} characters long; it must have at least {MIN_TOKEN_LENGTH}",
                             hint=TOKEN_FIX.replace(TOKEN_ENV, name))
        if not all("\x21" <= c <= "\x7e" for c in value):
            raise UsageError(f"${name} may hold only printable ASCII characters without spaces",
                             hint=TOKEN_FIX.replace(TOKEN_ENV, name))
    return token.encode("ascii"), None if read is None else read.encode("ascii")


def url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


class Server(http.server.ThreadingHTTPServer):
    """One thread per connection; `server_close` waits for the threads serving requests
    (ThreadingHTTPServer makes them daemons, which would be killed mid-write at exit)."""

    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True
    request_queue_size = 128  # 20 clients connecting at once must not overflow the backlog

    def __init__(self, host: str, port: int, settings: Settings) -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise UsageError(f"cannot listen on '{host}': {exc.strerror}",
                             hint="give --host an address of this machine, e.g. 127.0.0.1") from None
        self.address_family = infos[0][0]
        self.settings = settings
        self.write_lock = threading.Lock()
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        try:
            super().__init__((str(infos[0][4][0]), int(infos[0][4][1])), Handler)
        except OSError as exc:
            raise UsageError(f"cannot listen on {url(host, port)}: {exc.strerror or exc}",
                             hint="choose another --port (0 picks a free one), or stop what listens there") from None

    def server_bind(self) -> None:
        # HTTPServer's own asks the resolver for the host's full name: a DNS lookup, possibly
        # slow, for a name nothing here uses.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            log(f"{client_address[0]} refused: {MAX_CONNECTIONS} connections are being served (503)")
            try:
                request.settimeout(1.0)
                request.sendall(BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:  # no thread was started to release the slot
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away is one line; anything else is a bug: its traceback."""
        kind, exc = sys.exc_info()[:2]
        if kind is not None and issubclass(kind, (ConnectionError, TimeoutError)):
            log(f"{client_address[0]} connection dropped: {exc}")
            return
        log(f"{client_address[0]} internal error:")
        traceback.print_exc(file=sys.stderr)


class _Deadline(io.RawIOBase):
    """The socket, read with one deadline for the whole request: each read waits only for
    what is left of it, so bytes trickled in one at a time cannot hold the thread for long."""

    def __init__(self, sock: socket.socket, deadline: float, seconds: float) -> None:
        self.sock = sock
        self.deadline = deadline
        self.seconds = seconds

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"the request took longer than {self.seconds:g} s")
        self.sock.settimeout(left)
        return self.sock.recv_into(buffer)


class Refused(Exception):
    """An HTTP error answer: its status, its one line, and headers to add."""

    def __init__(self, status: HTTPStatus, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


class Handler(http.server.BaseHTTPRequestHandler):
    server: Server
    # HTTP/1.0: one request per connection, so an idle keep-alive connection never holds a
    # thread, nor a shutdown waiting for it.
    protocol_version = "HTTP/1.0"
    # Buffered writes: the status line, the headers and a small body leave in one packet
    # (unbuffered, the body is a second small write, which Nagle's algorithm holds back).
    wbufsize = -1

    def version_string(self) -> str:
        return "itsm"  # not Python's version: nothing for a scanner to match

    def setup(self) -> None:
        super().setup()
        self._started = time.monotonic()
        self._status = 0
        self._unread = False  # a body the client sends that was not read: linger before closing
        seconds = self.server.settings.request_seconds
        self.rfile.close()
        self.rfile = io.BufferedReader(_Deadline(self.connection, self._started + seconds, seconds))

    def finish(self) -> None:
        super().finish()
        if self._unread:
            self._linger()

    def _linger(self) -> None:
        try:
            self.connection.shutdown(socket.SHUT_WR)  # the answer is complete: the client reads it and closes
            end = time.monotonic() + LINGER_SECONDS
            while (left := end - time.monotonic()) > 0:
                self.connection.settimeout(left)
                if not self.connection.recv(65536):
                    break
        except OSError:
            pass

    # -- the methods -----------------------------------------------------------------------

    def do_GET(self) -> None:
        self._answer(self._get)

    def do_HEAD(self) -> None:
        self._answer(self._get, body=False)

    def do_POST(self) -> None:
        self._unread = True
        self._answer(self._post)

    def do_PUT(self) -> None:
        self._answer(self._other)

    do_DELETE = do_PATCH = do_OPTIONS = do_PUT

    def _answer(self, serve: Callable[[str], tuple[HTTPStatus, str, bytes, dict[str, str]]], body: bool = True) -> None:
        path = urllib.parse.urlsplit(self.path).path
        try:
            status, kind, content, headers = serve(path)
        except Refused as refused:
            self._send(refused.status, *_error(refused.message), refused.headers, body)
        except TimeoutError:
            self.close_connection = True
            seconds = self.server.settings.request_seconds
            self._send(HTTPStatus.REQUEST_TIMEOUT, *_error(f"the request took longer than {seconds:g} s"), {}, body)
        except ConnectionError:
            raise
        except Exception:
            log(f"{self.client_address[0]} {for_terminal(f'{self.command} {self.path}', one_line=True)}: internal error:")
            traceback.print_exc(file=sys.stderr)
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, *_error(INTERNAL_ERROR), {}, body)
        else:
            self._send(status, kind, content, headers, body)

    def _other(self, path: str) -> tuple[HTTPStatus, str, bytes, dict[str, str]]:
        _allowed(path, self.command)
        raise AssertionError("unreachable: no route takes " + self.command)

    # -- GET -------------------------------------------------------------------------------

    def _get(self, path: str) -> tuple[HTTPStatus, str, bytes, dict[str, str]]:
        _allowed(path, "GET")
        if path == "/healthz":
            return (HTTPStatus.OK, *_json({"ok": True}), {})
        settings = self.server.settings
        self._authorise([settings.read_token or settings.token, settings.token], basic=True)
        page = settings.dashboard(Desk.open(settings.root))
        return (HTTPStatus.OK, "text/html; charset=utf-8", page.encode("utf-8"), {
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                                       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            "Cache-Control": "no-store",  # tickets hold personal data
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        })

    # -- POST ------------------------------------------------------------------------------

    def _post(self, path: str) -> tuple[HTTPStatus, str, bytes, dict[str, str]]:
        channel = _allowed(path, "POST")
        settings = self.server.settings
        self._authorise([settings.token], basic=False)
        # Malformed JSON, a wrong shape, a message without a sender: the ingest refuses them
        # (UsageError, 400) in the words `itsm ingest` uses for the same input.
        taken = self._ingest(channel, self._body(settings.max_body))
        created = any(t.action in CREATING for t in taken)
        return (HTTPStatus.CREATED if created else HTTPStatus.OK, *_json({"taken": [t.to_json() for t in taken]}), {})

    def _ingest(self, channel: str, body: bytes) -> list[Any]:
        # Imported on the first post: the dashboard and the health check need none of it.
        from itsm.operations import ingest

        try:
            with self.server.write_lock:
                desk = Desk.open(self.server.settings.root)
                if channel == "email":
                    return [ingest.take_email(desk, body)]
                return list(ingest.take_alerts(desk, body, channel))
        except ingest.TooLarge as exc:
            raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, exc.one_line()) from None
        except ingest.IntakeError as exc:
            raise Refused(HTTPStatus.BAD_REQUEST, exc.one_line()) from None
        except UsageError as exc:
            # Not the input's fault: the desk cannot take it now (busy past the lock's wait, a
            # merge in progress, a full disk). 503 tells Alertmanager and mail gateways to send
            # it again later, where a 4xx would make them drop it.
            raise Refused(HTTPStatus.SERVICE_UNAVAILABLE, exc.one_line(), {"Retry-After": "60"}) from None

    def _body(self, limit: int) -> bytes:
        """The body, read only when its declared length is within the limit."""
        if self.headers.get("Transfer-Encoding") is not None:
            raise Refused(HTTPStatus.LENGTH_REQUIRED, "chunked transfer is not accepted; send a Content-Length")
        declared = self.headers.get_all("Content-Length") or []
        if not declared:
            raise Refused(HTTPStatus.LENGTH_REQUIRED, "a POST needs a Content-Length")
        if len(set(declared)) != 1 or not declared[0].strip().isdigit() or not declared[0].strip().isascii():
            raise Refused(HTTPStatus.BAD_REQUEST, "the Content-Length is not one number")
        length = int(declared[0])
        if length > limit:
            raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                          f"the body is {length} bytes; this desk takes at most {limit} (serve.max_body in itsm.yaml)")
        body = self.rfile.read(length)
        if len(body) != length:
            raise Refused(HTTPStatus.BAD_REQUEST, f"the body ended after {len(body)} of {length} bytes")
        self._unread = False
        return body

    # -- auth ------------------------------------------------------------------------------

    def _authorise(self, tokens: list[bytes], basic: bool) -> None:
        """Refused (401) unless the request carries one of `tokens` as a bearer token or,
        with `basic`, as the password of HTTP Basic auth (any user name)."""
        given = self._credential(basic)
        # Every comparison runs (no short cut), each in constant time.
        matches = [hmac.compare_digest(given, token) for token in tokens] if given is not None else []
        if not any(matches):
            challenge = 'Basic realm="itsm", charset="UTF-8"' if basic else 'Bearer realm="itsm"'
            what = "the read token, as a bearer token or a password" if basic else "Authorization: Bearer TOKEN"
            said = "wrong credentials" if given is not None else "no credentials"
            raise Refused(HTTPStatus.UNAUTHORIZED, f"{said}: this needs {what}", {"WWW-Authenticate": challenge})

    def _credential(self, basic: bool) -> bytes | None:
        header = self.headers.get("Authorization")
        if header is None:
            return None
        scheme, _, value = header.strip().partition(" ")
        raw = value.strip().encode("latin-1", "replace")  # http.server decoded the header as latin-1
        if scheme.lower() == "bearer":
            return raw
        if basic and scheme.lower() == "basic":
            try:
                pair = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError):
                return b""
            return pair.partition(b":")[2]
        return b""

    # -- writing the answer and the log ----------------------------------------------------

    def _send(self, status: HTTPStatus, kind: str, content: bytes, headers: Mapping[str, str], body: bool = True) -> None:
        # No client speaks HTTP/0.9 (no status line, no headers): a request that does not parse,
        # or names no version, gets a status line and headers like any other.
        self.request_version = "HTTP/1.0" if self.request_version == "HTTP/0.9" else self.request_version
        # Each write waits up to the whole deadline again (the reads may have used it up).
        self.connection.settimeout(self.server.settings.request_seconds)
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(content)))
        for name, value in headers.items():
            self.send_header(name, value)
        if status == HTTPStatus.METHOD_NOT_ALLOWED and "Allow" not in headers:
            self.send_header("Allow", "GET, HEAD")
        self.send_header("Connection", "close")
        self.end_headers()
        if body:
            self.wfile.write(content)
        if status >= 400:
            self.close_connection = True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a malformed request line, headers too long, a method
        nobody handles) as JSON too."""
        status = HTTPStatus(code)
        self.close_connection = True
        self._send(status, *_error(message or status.phrase), {}, body=self.command != "HEAD")

    def send_response(self, code: int, message: str | None = None) -> None:
        self._status = int(code)
        super().send_response(code, message)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Logged once the answer is out (`handle_one_request`), with its time."""

    def log_message(self, format: str, *args: Any) -> None:
        log(f"{self.client_address[0]} {format % args}")

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        finally:
            if self._status:
                took = (time.monotonic() - self._started) * 1000
                line = getattr(self, "requestline", "") or "-"
                method, _, rest = line.partition(" ")
                path = rest.rsplit(" ", 1)[0] if " " in rest else rest
                log(f"{self.client_address[0]} {method} {path} {self._status} {took:.1f} ms")


def _allowed(path: str, method: str) -> str:
    """The route's channel for a POST ('' for a GET), or 404 / 405."""
    if path in POSTS:
        if method == "POST":
            return POSTS[path]
        raise Refused(HTTPStatus.METHOD_NOT_ALLOWED, f"{path} takes POST", {"Allow": "POST"})
    if path in GETS:
        if method in ("GET", "HEAD"):
            return ""
        raise Refused(HTTPStatus.METHOD_NOT_ALLOWED, f"{path} takes GET", {"Allow": "GET, HEAD"})
    raise Refused(HTTPStatus.NOT_FOUND, f"no such path: {path} (see docs/serve.md for the routes)")


def _json(data: Any) -> tuple[str, bytes]:
    return "application/json", (json.dumps(data, ensure_ascii=True) + "\n").encode("ascii")


def _error(message: str) -> tuple[str, bytes]:
    return _json({"error": for_terminal(message, one_line=True)})


_LOG_LOCK = threading.Lock()


def log(line: str) -> None:
    """One line on stderr, whole: lines from threads never run into each other."""
    text = f"itsm serve: {for_terminal(line, one_line=True)}\n"
    with _LOG_LOCK:
        sys.stderr.write(text)
        sys.stderr.flush()


def run(host: str, port: int, settings: Settings, listening: Callable[[str], None]) -> None:
    """Serve until SIGTERM or SIGINT, then stop accepting, finish the requests being served,
    and return. `listening` is told the URL (with the port chosen, for port 0) once the
    socket listens."""
    server = Server(host, port, settings)
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        if not stopping.is_set():
            stopping.set()
            log(f"{signal.Signals(signum).name}: finishing the requests in flight, then stopping")
            # shutdown() waits for serve_forever, which runs in this very thread: from another.
            threading.Thread(target=server.shutdown, daemon=True).start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        listening(url(host, server.server_port))
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()  # closes the socket, then joins the threads serving requests
        for sig, handler in previous.items():
            signal.signal(sig, handler)
