"""A small Chrome DevTools Protocol client: open pages in headless Chromium, collect console errors.

Used by the site tests and by ``python tests/docs/chromium.py URL OUT.png`` to take a screenshot.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def chromium_binary() -> str | None:
    """The Chromium executable on ``PATH`` (Debian names it ``chromium``), or ``None``."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageReport:
    """What a page did while it loaded: its errors, and the values of the probes evaluated on it."""

    url: str
    errors: list[str] = field(default_factory=list)
    probes: dict[str, Any] = field(default_factory=dict)


class Browser:
    """One headless Chromium process driven over its DevTools websocket."""

    def __init__(self, binary: str, width: int = 1280, height: int = 900) -> None:
        import websocket  # websocket-client, in the docs extra

        self._profile = tempfile.mkdtemp(prefix="pg-chromium-")
        self.proc = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                f"--user-data-dir={self._profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = Path(self._profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not port_file.is_file() or not port_file.read_text().strip():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            targets = json.load(r)
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
        self._id = 0
        self.events: list[dict[str, Any]] = []
        for method in ("Page.enable", "Runtime.enable", "Log.enable", "Network.enable"):
            self.call(method)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and return its result; events that arrive meanwhile are kept."""
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self._id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def _pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        self.ws.settimeout(0.2)
        try:
            while time.monotonic() < end:
                try:
                    self.events.append(json.loads(self.ws.recv()))
                except Exception:  # noqa: BLE001 — a receive timeout: keep waiting
                    continue
        finally:
            self.ws.settimeout(30)

    def open(
        self, url: str, probes: dict[str, str] | None = None, settle: float = 2.0
    ) -> PageReport:
        """Load ``url``, wait for its load event (and ``settle`` seconds), report its errors."""
        self.events.clear()
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + 60
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not finish loading")
            self._pump(0.2)
        self._pump(settle)  # MathJax typesets after the load event
        report = PageReport(url)
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                report.errors.append(
                    f"exception: {d.get('text')} {d.get('exception', {}).get('description', '')}"
                )
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                args = " ".join(
                    str(a.get("value", a.get("description", ""))) for a in p.get("args", [])
                )
                report.errors.append(f"console.{p.get('type')}: {args}")
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                entry = p["entry"]
                report.errors.append(f"log: {entry.get('text')} ({entry.get('url', '')})")
            elif m == "Network.loadingFailed" and not p.get("canceled"):
                report.errors.append(f"network: {p.get('errorText')} ({p.get('type')})")
            elif (
                m == "Network.responseReceived" and p.get("response", {}).get("status", 200) >= 400
            ):
                r = p["response"]
                report.errors.append(f"http {r.get('status')}: {r.get('url')}")
        for name, expr in (probes or {}).items():
            res = self.call("Runtime.evaluate", expression=expr, returnByValue=True)
            report.probes[name] = res.get("result", {}).get("value")
        return report

    def screenshot(self, path: str | Path, full_page: bool = False) -> None:
        """Save the current page as a PNG."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            metrics = self.call("Page.getLayoutMetrics")
            size = metrics["cssContentSize"]
            params["clip"] = {
                "x": 0,
                "y": 0,
                "width": size["width"],
                "height": min(size["height"], 16000),
                "scale": 1,
            }
            params["captureBeyondViewport"] = True
        data = self.call("Page.captureScreenshot", **params)["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            if hasattr(self, "ws"):
                self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


if __name__ == "__main__":
    import sys

    binary = chromium_binary()
    if binary is None:
        sys.exit("no chromium on PATH")
    with Browser(binary) as b:
        for url, out in zip(sys.argv[1::2], sys.argv[2::2]):
            rep = b.open(url)
            b.screenshot(out, full_page="--full" in sys.argv)
            print(url, "errors:", rep.errors)
