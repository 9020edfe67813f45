"""Debian's Chromium, headless, driven over the DevTools protocol (websocket-client, already in the lock): what the
dashboard's end-to-end tests click through. `make chromium` installs the browser; `.ci/run` runs it.

    with Browser(tmp_path) as browser:
        browser.open("http://127.0.0.1:8600/")
        browser.evaluate("document.title")
        browser.click("a[href='/models']")
        browser.screenshot(tmp_path / "models.png")
        assert browser.errors == []
"""
import base64
import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--remote-debugging-port=0", "--window-size=1280,1000"]


class Browser:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.errors: List[str] = []      # console errors, uncaught exceptions, failed loads
        self._next_id = 0
        self._events: List[Dict[str, Any]] = []

    def __enter__(self) -> "Browser":
        import websocket
        profile = self.folder / "chromium-profile"
        profile.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        deadline = time.time() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            assert self.process.poll() is None, "chromium exited at start"
            assert time.time() < deadline, "chromium did not start"
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            page = next(t for t in json.load(response) if t["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.socket.close()
        finally:
            self.process.terminate()
            self.process.wait(timeout=30)

    # -- the protocol ------------------------------------------------------------------
    def send(self, method: str, params: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        self._next_id += 1
        self.socket.send(json.dumps({"id": self._next_id, "method": method, "params": params or {}}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._event(message)

    def _event(self, message: Dict[str, Any]) -> None:
        self._events.append(message)
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.exceptionThrown":
            self.errors.append(params["exceptionDetails"].get("text", "exception"))
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            self.errors.append(params["entry"].get("text", ""))

    def _wait_for(self, method: str, timeout: float = 30.0) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if any(event.get("method") == method for event in self._events):
                return
            self._event(json.loads(self.socket.recv()))
        raise TimeoutError(f"no {method} within {timeout} s")

    # -- what a test does ----------------------------------------------------------------
    def open(self, url: str) -> None:
        self._events.clear()
        self.send("Page.navigate", {"url": url})
        self._wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        found = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in found:
            raise RuntimeError(f"{expression}: {found['exceptionDetails'].get('text')}")
        return found["result"].get("value")

    def click(self, selector: str) -> None:
        """Clicks the element and waits for the page it leads to (a link or a form's button)."""
        self._events.clear()
        clicked = self.evaluate(f"(() => {{ const found = document.querySelector({json.dumps(selector)});"
                                "if (!found) return false; found.dispatchEvent(new MouseEvent('click', "
                                "{bubbles: true, cancelable: true, view: window})); return true; })()")
        assert clicked, f"nothing matches {selector}"
        self._wait_for("Page.loadEventFired")

    def screenshot(self, path: Path) -> Path:
        height = self.evaluate("document.documentElement.scrollHeight")
        self.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": min(int(height), 4000),
                                                         "deviceScaleFactor": 1, "mobile": False})
        Path(path).write_bytes(base64.b64decode(self.send("Page.captureScreenshot", {"format": "png"})["data"]))
        self.send("Emulation.clearDeviceMetricsOverride")
        return Path(path)
