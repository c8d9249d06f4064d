"""A tiny WebDriver client (standard library only) for checking reports in headless Chromium.

Uses Debian's ``chromium`` and ``chromedriver``. As root Chromium needs ``--no-sandbox``; the
background-networking flags keep it from calling out (this machine has no network, and a report
must not need one).
"""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def available() -> str | None:
    """Why the browser checks cannot run here, or None if they can."""
    if not CHROMIUM or not CHROMEDRIVER:
        return ("Chromium or ChromeDriver is not installed (Debian packages chromium and "
                "chromium-driver; .ci/run installs them)")
    return None


class Browser:
    def __init__(self, profile: Path, *, javascript: bool = True) -> None:
        """A headless Chromium session; ``javascript=False`` turns pages' scripts off (WebDriver's
        own commands still work), to show a page works without any."""
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.driver = subprocess.Popen([CHROMEDRIVER, f"--port={self.port}"], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                if self._call("GET", "/status")["value"]["ready"]:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.driver.kill()
                raise RuntimeError("chromedriver did not start")
            time.sleep(0.1)
        args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,1600"]
        if not javascript:
            args.append("--blink-settings=scriptEnabled=false")
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
            "goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"},
        }}}
        self.session = self._call("POST", "/session", caps)["value"]["sessionId"]

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def _session(self, method: str, path: str, body: Any = None) -> Any:
        return self._call(method, f"/session/{self.session}{path}", body)["value"]

    def open(self, path: Path) -> None:
        self._session("POST", "/url", {"url": path.resolve().as_uri()})

    # -- using a page as a person does: open a URL, type into fields, pick options, click ---------

    def visit(self, url: str) -> None:
        """Open ``url`` (e.g. a local server's page) and wait for it to load."""
        self._session("POST", "/url", {"url": url})

    def find(self, css: str) -> str:
        """The WebDriver id of the first element matching ``css`` (an error if none does)."""
        found = self._session("POST", "/element", {"using": "css selector", "value": css})
        return str(next(iter(found.values())))

    def count(self, css: str) -> int:
        """How many elements match ``css``."""
        return len(self._session("POST", "/elements", {"using": "css selector", "value": css}))

    def type(self, css: str, text: str) -> None:
        """Clear the field matching ``css`` and type ``text`` into it, key by key."""
        element = self.find(css)
        self._session("POST", f"/element/{element}/clear", {})
        self._session("POST", f"/element/{element}/value", {"text": text})

    def click(self, css: str) -> None:
        """Click the element matching ``css`` (a button, a link, an ``<option>``), waiting for
        any page it loads."""
        self._session("POST", f"/element/{self.find(css)}/click", {})

    def wait_for_url(self, fragment: str, timeout_s: float = 20.0) -> str:
        """Wait until the page's URL contains ``fragment`` (a form's click may return before the
        page it posts to has loaded); the URL."""
        deadline = time.monotonic() + timeout_s
        while fragment not in (url := self.url()):
            if time.monotonic() > deadline:
                raise AssertionError(f"the browser stayed on {url}, never reaching {fragment!r}")
            time.sleep(0.05)
        return url

    def text(self, css: str = "body") -> str:
        """The rendered text of the element matching ``css``."""
        return str(self._session("GET", f"/element/{self.find(css)}/text"))

    def url(self) -> str:
        """The page's current URL."""
        return str(self._session("GET", "/url"))

    def source(self) -> str:
        """The current page's markup as the browser holds it."""
        return str(self._session("GET", "/source"))

    def run(self, script: str) -> Any:
        return self._session("POST", "/execute/sync", {"script": script, "args": []})

    def log(self, kind: str) -> list[dict[str, Any]]:
        return self._session("POST", "/se/log", {"type": kind})

    def requests(self) -> list[str]:
        """URLs the page asked for (from the DevTools performance log)."""
        urls = []
        for entry in self.log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def devtools(self, command: str, params: dict[str, Any]) -> Any:
        """Send a Chrome DevTools Protocol command (e.g. ``Emulation.setEmulatedMedia``)."""
        return self._session("POST", "/goog/cdp/execute", {"cmd": command, "params": params})

    def pdf(self) -> bytes:
        """The page printed to PDF (WebDriver's Print Page)."""
        return base64.b64decode(self._session("POST", "/print", {"background": True}))

    def screenshot(self, path: Path) -> None:
        path.write_bytes(base64.b64decode(self._session("GET", "/screenshot")))

    def close(self) -> None:
        try:
            self._call("DELETE", f"/session/{self.session}")
        finally:
            self.driver.terminate()
            self.driver.wait(timeout=10)
