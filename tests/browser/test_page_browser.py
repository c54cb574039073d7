"""Runs tests/browser/page_test.mjs: the chat page and the README's embed snippet, at desktop and phone sizes.

The chat page comes from the `bot_stack` fixture (tests/conftest.py). The embed runs on
"someone else's website": a tiny static site this test serves on another port
(EMBED_PORT = 18095 + TEST_PORT_OFFSET, allowed by the stack's CORS_ORIGINS) with the snippet
taken from the README, so the README's snippet is what is tested.
"""
import functools
import os
import re
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot import webserver

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SCRIPT = HERE / "page_test.mjs"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# The same port tests/conftest.py allows in the stack's CORS_ORIGINS.
EMBED_PORT = 18095 + int(os.environ.get("TEST_PORT_OFFSET", "0"))
SNIPPET_MARK = "<!-- embed snippet (tested by tests/browser/test_page_browser.py) -->"
EXAMPLE_SERVER = "https://chat.example.org"
HOST_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>A sarcoma support group</title></head>
<body>
<main><h1>A sarcoma support group</h1><p>Meetings, stories and links for members.</p></main>
{snippet}
</body>
</html>
"""


def readme_snippet() -> str:
    """Returns the HTML of the README's embed snippet (the fenced block after SNIPPET_MARK)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(re.escape(SNIPPET_MARK) + r"\s*```html\n(.*?)```", readme, re.S)
    assert found, f"the README has no embed snippet after {SNIPPET_MARK}"
    return found.group(1)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture(scope="module")
def embed_url(bot_stack, tmp_path_factory):
    """Another origin with a page that embeds the chat with the README's snippet."""
    site = tmp_path_factory.mktemp("embed_site")
    (site / "js").mkdir()
    shutil.copy(webserver.WIDGET_BUNDLE, site / "js" / "rasa-webchat-1.0.1.js")
    shutil.copy(webserver.WEB / "chat_safety.js", site / "js" / "lms-chat-safety.js")
    shutil.copy(webserver.WEB / "embed.js", site / "js" / "lms-chat-embed.js")
    shutil.copy(webserver.WEB / "embed.css", site / "js" / "lms-chat-embed.css")
    snippet = readme_snippet()
    assert EXAMPLE_SERVER in snippet
    (site / "index.html").write_text(HOST_PAGE.format(snippet=snippet.replace(EXAMPLE_SERVER, bot_stack.url)))
    server = ThreadingHTTPServer(("127.0.0.1", EMBED_PORT), functools.partial(QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://localhost:{EMBED_PORT}/"
    server.shutdown()
    server.server_close()


def test_chat_page_and_embed_at_desktop_and_phone_sizes(bot_stack, embed_url):
    node = shutil.which("node")
    assert node, "Node.js is needed for the browser test"
    assert (ROOT / "node_modules" / "playwright-core").is_dir(), "run 'npm ci' first"
    assert (ROOT / "node_modules" / "axe-core").is_dir() or os.environ.get("AXE_CORE_PATH"), \
        "axe-core is missing: run 'npm ci'"
    assert Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM}: run 'apt-get install -y chromium'"

    env = dict(os.environ, WIDGET_URL=bot_stack.web_url, EMBED_URL=embed_url, CHROMIUM_PATH=CHROMIUM)
    done = subprocess.run([node, str(SCRIPT)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)

    print(done.stdout)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
