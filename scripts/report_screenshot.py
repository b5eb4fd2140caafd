"""Write docs/report-dashboard.png: the sample desk's HTML report, as headless Chromium draws it.

    .venv/bin/python scripts/report_screenshot.py [--now 2026-11-26T09:00:00Z] [--width 1280] [--height 2200]

The clock is pinned (ITSM_NOW), so the picture shows the sample desk as README's report
block does. Needs Debian's `chromium` on PATH.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--now", default="2026-11-26T09:00:00Z")
    parser.add_argument("--since", default="2026-09-01")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2200)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "report-dashboard.png")
    args = parser.parse_args()
    browser = shutil.which("chromium")
    if browser is None:
        print("report_screenshot: no chromium on PATH (apt-get install chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as work:
        page = Path(work) / "index.html"
        html = subprocess.run([sys.executable, "-m", "itsm", "report", "--desk", str(REPO), "--since", args.since,
                               "--format", "html"], capture_output=True, text=True, check=True,
                              env={**os.environ, "ITSM_NOW": args.now}).stdout
        page.write_text(html, encoding="utf-8")
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={work}/profile", f"--screenshot={args.out}",
                        f"--window-size={args.width},{args.height}", page.as_uri()],
                       capture_output=True, check=True, timeout=120)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
