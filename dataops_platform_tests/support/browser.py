"""Headless Chromium for the tests: where it is, how it starts, and a small DevTools-protocol
driver (`websockets`, already installed with the webserver; no browser is downloaded).

Chromium comes from Debian (`apt-get install chromium`); scripts/test.sh installs it as root.
DATAOPS_CHROMIUM names another binary. Screenshots go to DATAOPS_TEST_ARTIFACTS, default
test-artifacts/ui/ in the checkout: a folder CI keeps.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from dataops_platform_tests.support.webserver import stop

REPO = Path(__file__).resolve().parents[2]
INSTALL = "apt-get install chromium"
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# A container runs Chromium as root: no sandbox, no GPU, no /dev/shm; and nothing phones home.
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium() -> Path | None:
    """DATAOPS_CHROMIUM, else the first of NAMES on PATH (Debian's is /usr/bin/chromium)."""
    configured = os.environ.get("DATAOPS_CHROMIUM", "").strip()
    if configured:
        return Path(configured)
    found = next((shutil.which(name) for name in NAMES if shutil.which(name)), None)
    return Path(found) if found else None


needs_chromium = pytest.mark.skipif(
    chromium() is None, reason=f"Chromium is not installed (install it: {INSTALL}; scripts/test.sh does as root)"
)


def chromium_command(profile: Path, *arguments: str) -> list[str]:
    """The command line of a headless Chromium with its own profile folder."""
    binary = chromium()
    assert binary is not None, f"Chromium is not installed: {INSTALL}"
    return [str(binary), *FLAGS, f"--user-data-dir={profile}", *arguments]


def screenshots() -> Path:
    """The folder for screenshots that CI keeps (created)."""
    folder = Path(os.environ.get("DATAOPS_TEST_ARTIFACTS") or REPO / "test-artifacts" / "ui")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Page:
    """One browser tab, driven over the Chrome DevTools protocol."""

    def __init__(self, socket) -> None:
        self.socket, self.sent = socket, 0

    def send(self, method: str, **params) -> dict:
        self.sent += 1
        self.socket.send(json.dumps({"id": self.sent, "method": method, "params": params}))
        while True:  # events arrive in between; the answer carries our id
            message = json.loads(self.socket.recv())
            if message.get("id") == self.sent:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str) -> None:
        self.send("Page.navigate", url=url)

    def text(self) -> str:
        """What the page shows as text (rendered, visible elements only)."""
        return self.evaluate("document.body ? document.body.innerText : ''") or ""

    def wait_for(self, *needles: str, timeout: float = 180.0) -> str:
        """Poll the page text until it holds every needle; the text, or AssertionError naming the missing ones."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.text()
            missing = [n for n in needles if n not in text]
            if not missing:
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"after {timeout:.0f}s the page lacks {missing}; it shows:\n{text[:4000]}")
            time.sleep(0.5)

    def click(self, text: str) -> None:
        """Click the innermost visible element whose own text is `text` (a tab, a link, a button)."""
        found = self.evaluate(
            "(() => { const all = [...document.querySelectorAll('a, button, [role=tab], span, div')]"
            f".filter(e => e.offsetParent && e.innerText && e.innerText.trim() === {json.dumps(text)});"
            " const e = all[all.length - 1]; if (!e) return false; e.click(); return true; })()"
        )
        assert found, f"nothing to click shows {text!r}"

    def screenshot(self, path: Path) -> Path:
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path


def _debugger_port(profile: Path, process: subprocess.Popen, timeout: float = 60.0) -> int:
    """Chromium writes the DevTools port it chose into its profile folder."""
    marker, deadline = profile / "DevToolsActivePort", time.monotonic() + timeout
    while not (marker.exists() and marker.read_text().strip()):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"Chromium did not start (exit {process.poll()}); see {profile / 'chromium.log'}")
        time.sleep(0.1)
    return int(marker.read_text().split()[0])


@contextmanager
def browser(profile: Path, width: int = 1600, height: int = 1000) -> Iterator[Page]:
    """A headless Chromium on loopback with one tab of `width` x `height`; stopped on exit."""
    from websockets.sync.client import connect

    profile.mkdir(parents=True, exist_ok=True)
    (profile / "DevToolsActivePort").unlink(missing_ok=True)  # left by an earlier browser on this profile
    command = chromium_command(profile, "--remote-debugging-port=0", f"--window-size={width},{height}", "about:blank")
    with open(profile / "chromium.log", "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        port = _debugger_port(profile, process)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as answer:
            tab = next(t for t in json.load(answer) if t["type"] == "page")
        with connect(tab["webSocketDebuggerUrl"], max_size=None, open_timeout=30) as socket:
            page = Page(socket)
            page.send("Page.enable")
            page.send(
                "Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False
            )
            yield page
    finally:
        stop(process)
