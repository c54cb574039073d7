"""Runs tests/browser/desk_test.mjs: the answer desk in Chromium at desktop and phone sizes.

The desk needs only the page server, so this test starts `python -m bot web` on its own port
(18090 + TEST_PORT_OFFSET) without the Rasa server, or uses DESK_URL when it is set.
Screenshots go to results/screenshots/desk-*.png. Never skipped: a missing piece is a failure
that says what to install.
"""
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.launcher import port_open

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SCRIPT = HERE / "desk_test.mjs"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
DESK_PORT = 18090 + int(os.environ.get("TEST_PORT_OFFSET", "0"))


@pytest.fixture(scope="module")
def desk_url(tmp_path_factory):
    """DESK_URL, or a page server of its own (no Rasa server) on DESK_PORT."""
    if os.environ.get("DESK_URL"):
        yield os.environ["DESK_URL"]
        return
    assert not port_open(DESK_PORT), f"port {DESK_PORT} is in use; set TEST_PORT_OFFSET to move it"
    log = tmp_path_factory.mktemp("desk") / "page_server.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "bot", "web", "--port", str(DESK_PORT)],
                                  cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                  env=dict(os.environ, PYTHONPATH=str(ROOT), DESK_TOKEN=""))
    try:
        deadline = time.monotonic() + 300  # a loaded 2-core machine imports slowly
        while not port_open(DESK_PORT):
            assert server.poll() is None and time.monotonic() < deadline, \
                f"the page server did not start:\n{log.read_text(errors='replace')}"
            time.sleep(0.5)
        yield f"http://localhost:{DESK_PORT}/desk"
    finally:
        server.terminate()
        server.wait(30)


def test_the_desk_in_chromium(desk_url):
    node = shutil.which("node")
    assert node, "Node.js is needed for the browser test"
    assert (ROOT / "node_modules" / "playwright-core").is_dir(), "run 'npm ci' first"
    assert (ROOT / "node_modules" / "axe-core").is_dir() or os.environ.get("AXE_CORE_PATH"), \
        "axe-core is missing: run 'npm ci'"
    assert Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM}: run 'apt-get install -y chromium'"

    env = dict(os.environ, DESK_URL=desk_url, CHROMIUM_PATH=CHROMIUM)
    done = subprocess.run([node, str(SCRIPT)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)

    print(done.stdout)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
