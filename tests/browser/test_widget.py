"""Runs tests/browser/widget_test.mjs: a whole staging conversation through the web widget in Chromium.

Needs the running bot (`make run`, or the servers' test fixtures) with the page at WIDGET_URL
(default http://localhost:8080), Node with `npm install` done, and /usr/bin/chromium
(`apt-get install -y chromium`). Skipped only when WIDGET_URL is unset and nothing listens on 8080.
"""
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SCRIPT = HERE / "widget_test.mjs"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def page_server_running(port: int = 8080) -> bool:
    """Returns True when something accepts connections on localhost:port."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_staging_conversation_in_the_widget():
    url = os.environ.get("WIDGET_URL")
    if not url and not page_server_running():
        pytest.skip("no chat page: set WIDGET_URL or start the bot with 'make run'")
    node = shutil.which("node")
    assert node, "Node.js is needed for the browser test"
    assert (ROOT / "node_modules" / "playwright-core").is_dir(), "run 'npm install' first"
    assert Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM}: run 'apt-get install -y chromium'"

    env = dict(os.environ, WIDGET_URL=url or "http://localhost:8080", CHROMIUM_PATH=CHROMIUM)
    done = subprocess.run([node, str(SCRIPT)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)

    print(done.stdout)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
