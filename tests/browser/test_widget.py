"""Runs tests/browser/widget_test.mjs: a whole staging conversation through the web widget in Chromium.

It talks to the bot that the `bot_stack` fixture (tests/conftest.py) starts on test ports, or,
when WIDGET_URL is set, to a page that is already running (e.g. `make run` on :8080). Needs
Node with `npm ci` done and /usr/bin/chromium (`apt-get install -y chromium`); `make test`
provides both. It is never skipped: a missing piece is a failure that says what to install.
"""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SCRIPT = HERE / "widget_test.mjs"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture
def widget_url(request: pytest.FixtureRequest) -> str:
    """Returns WIDGET_URL when set, else the page of the test stack (started on demand)."""
    return os.environ.get("WIDGET_URL") or request.getfixturevalue("bot_stack").web_url


def test_staging_conversation_in_the_widget(widget_url):
    node = shutil.which("node")
    assert node, "Node.js is needed for the browser test"
    assert (ROOT / "node_modules" / "playwright-core").is_dir(), "run 'npm install' first"
    assert Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM}: run 'apt-get install -y chromium'"

    env = dict(os.environ, WIDGET_URL=widget_url, CHROMIUM_PATH=CHROMIUM)
    done = subprocess.run([node, str(SCRIPT)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)

    print(done.stdout)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
