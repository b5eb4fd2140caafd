"""A real browser for the HTML report's tests: Debian's headless Chromium, run as a process.

`dump_dom` gives the DOM after the page was parsed and laid out (what a user's browser
builds, not the text we wrote); `screenshot` a PNG. `parse_dom` reads a dump back with
html.parser into plain elements, so tests can assert on tags and attributes. Chromium is
found on PATH; a test without it skips, unless ITSM_REQUIRE_BROWSER=1 (CI) makes that a
failure. A Chromium that hangs is killed with its whole process group.
"""

from __future__ import annotations

import os
import shutil
import signal
import struct
import subprocess
import tempfile
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

TIMEOUT = 90  # seconds; a cold start on a loaded 2-core machine takes several


def chromium() -> str:
    """The browser's path, or skip (fail when ITSM_REQUIRE_BROWSER=1)."""
    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("ITSM_REQUIRE_BROWSER") == "1":
            pytest.fail("ITSM_REQUIRE_BROWSER=1 but no chromium on PATH (apt-get install chromium)")
        pytest.skip("no chromium on PATH: the real-browser tests need Debian's chromium package")
    return found


def run_chromium(page: Path, *args: str) -> str:
    """Run headless Chromium on `page` (a file) with `args`; its stdout."""
    binary = chromium()
    with tempfile.TemporaryDirectory(prefix="itsm-chromium-") as profile:
        command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={profile}", *args,
                   page.resolve().as_uri()]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True, env={**os.environ, "HOME": profile})
        try:
            out, err = process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group this call started, nothing else
            process.communicate()
            pytest.fail(f"chromium did not finish within {TIMEOUT} s on {page}")
        if process.returncode != 0:
            pytest.fail(f"chromium exited {process.returncode}: {err[-2000:]}")
        return out


def dump_dom(page: Path) -> str:
    return run_chromium(page, "--dump-dom")


def screenshot(page: Path, png: Path, width: int, height: int) -> Path:
    run_chromium(page, f"--screenshot={png}", f"--window-size={width},{height}")
    assert png.is_file(), f"chromium wrote no screenshot at {png}"
    return png


@dataclass
class Element:
    tag: str
    attrs: list[tuple[str, str | None]]
    text: list[str] = field(default_factory=list)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.stack: list[Element] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, attrs)
        self.elements.append(element)
        self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        for n in range(len(self.stack) - 1, -1, -1):
            if self.stack[n].tag == tag:
                del self.stack[n:]
                break

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        if self.stack:
            self.stack[-1].text.append(data)


@dataclass
class Dom:
    elements: list[Element]
    text: str

    def tags(self, name: str) -> list[Element]:
        return [e for e in self.elements if e.tag == name]

    def attributes(self) -> list[tuple[str, str, str | None]]:
        return [(e.tag, name, value) for e in self.elements for name, value in e.attrs]


def parse_dom(text: str) -> Dom:
    collector = _Collector()
    collector.feed(text)
    collector.close()
    return Dom(collector.elements, "".join(collector.texts))


def assert_inert(dom: Dom) -> None:
    """Nothing in the DOM can run or fetch: no script, no on* handler, no img/iframe/object
    or the like, no javascript: (or data:) link, no external resource."""
    for tag in ("script", "img", "iframe", "object", "embed", "link", "base", "form", "image", "foreignobject",
                "use", "animate", "set"):
        assert not dom.tags(tag), f"a <{tag}> element in the page: {dom.tags(tag)[:3]}"
    for tag, name, value in dom.attributes():
        assert not name.lower().startswith("on"), f"an event handler <{tag} {name}={value!r}>"
        if name.lower() in ("href", "src", "xlink:href", "action", "formaction"):
            target = (value or "").strip().lower()
            assert not target.startswith(("javascript:", "data:", "vbscript:")), f"<{tag} {name}={value!r}>"
            assert "://" not in target, f"an external link <{tag} {name}={value!r}>"


def png_pixels(png: Path, rows: int) -> tuple[int, int, list[bytes]]:
    """(width, height, the first `rows` rows of pixels, RGB(A) bytes) of an 8-bit PNG,
    decoded with zlib and PNG's row filters: enough to tell a blank image from a page."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and colour in (2, 6), f"unexpected PNG depth {depth} colour type {colour}"
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    out: list[bytes] = []
    for y in range(min(rows, height)):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                corner = previous[i - channels] if i >= channels else 0
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        out.append(bytes(line))
        previous = line
    return width, height, out


def colours(png: Path, rows: int) -> set[tuple[int, ...]]:
    """The distinct colours (RGB) in the first `rows` rows of a PNG."""
    width, _, lines = png_pixels(png, rows)
    channels = len(lines[0]) // width if lines else 3
    return {tuple(line[i:i + 3]) for line in lines for i in range(0, len(line), channels)}
