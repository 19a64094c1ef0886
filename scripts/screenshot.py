"""Take screenshots of Odoo pages in headless Chromium, logged in as a given user.

Usage: .venv/bin/python scripts/screenshot.py BASE_URL DB LOGIN PASSWORD OUT.png PATH [OUT.png PATH ...]
e.g.   .venv/bin/python scripts/screenshot.py http://127.0.0.1:8069 helpdesk sara sara \
           docs/screenshots/ticket_kanban.png /odoo/action-helpdesk_itil.helpdesk_ticket_action

Env: SCREENSHOT_WAIT (seconds before the capture, default 6), SCREENSHOT_CLICK (a CSS
selector clicked and scrolled to first, e.g. a form's notebook tab).

Logs in through JSON-RPC, hands the session cookie to Chromium over the DevTools
protocol, opens each page and saves a PNG once the page has been idle for a moment.
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from urllib.parse import urlparse

import requests
import websocket

WIDTH, HEIGHT = 1440, 900


def login(base_url, db, user, password):
    session = requests.Session()
    payload = {"jsonrpc": "2.0", "params": {"db": db, "login": user, "password": password}}
    response = session.post(f"{base_url}/web/session/authenticate", json=payload, timeout=60)
    response.raise_for_status()
    if response.json().get("error"):
        raise SystemExit(f"login failed: {response.json()['error']}")
    return session.cookies["session_id"]


class Browser:
    def __init__(self):
        self.profile = tempfile.TemporaryDirectory()
        self.proc = subprocess.Popen(
            [
                "chromium",
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--window-size={WIDTH},{HEIGHT}",
                "--remote-debugging-port=9333",
                f"--user-data-dir={self.profile.name}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                pages = json.load(urllib.request.urlopen("http://127.0.0.1:9333/json"))
                page = next(p for p in pages if p["type"] == "page")
                break
            except Exception:
                time.sleep(0.2)
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.next_id = 0

    def send(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                return message.get("result", {})

    def close(self):
        self.proc.terminate()
        self.proc.wait()
        self.profile.cleanup()


def main(base_url, db, user, password, *targets):
    cookie = login(base_url, db, user, password)
    browser = Browser()
    try:
        browser.send("Network.enable")
        browser.send(
            "Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False
        )
        browser.send("Network.setCookie", name="session_id", value=cookie, domain=urlparse(base_url).hostname, path="/")
        for out, path in zip(targets[::2], targets[1::2], strict=True):
            browser.send("Page.navigate", url=base_url + path)
            time.sleep(float(os.environ.get("SCREENSHOT_WAIT", 6)))  # let the web client load and render
            if click := os.environ.get("SCREENSHOT_CLICK"):
                # e.g. a notebook tab: SCREENSHOT_CLICK="a[name='intake']"
                target = f"document.querySelector({json.dumps(click)})"
                browser.send("Runtime.evaluate", expression=f"{target}?.click(); {target}?.scrollIntoView()")
                time.sleep(2)
            shot = browser.send("Page.captureScreenshot", format="png")
            with open(out, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            print(f"saved {out} ({path})")
    finally:
        browser.close()


if __name__ == "__main__":
    if len(sys.argv) < 7 or len(sys.argv) % 2 == 0:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
