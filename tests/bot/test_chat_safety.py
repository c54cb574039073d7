"""bot/web/chat_safety.js run in Node: which links stay links, and what reaches the console.

The same file runs in Chromium in tests/browser/widget_test.mjs, where it unlinks a real
javascript: link in the widget and the widget's own console lines are checked.
"""
import json
import shutil
import subprocess

import pytest

from bot import webserver

SCRIPT = webserver.WEB / "chat_safety.js"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3cy0wMTIzNDU2Nzg5YWJjZGVmIn0.c2lnbmF0dXJlLXBhcnQ"

# Runs the page script in Node (no document: only its functions are defined), applies them to
# the JSON on stdin and prints the results.
RUNNER = """
const fs = require("fs"), vm = require("vm");
vm.runInThisContext(fs.readFileSync(process.argv[1], "utf8"));
const safety = globalThis.LmsChatSafety;
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const printed = [];
const fakeConsole = {log: (...a) => printed.push(a), info: (...a) => printed.push(a), debug: (...a) => printed.push(a)};
safety.quietConsole(fakeConsole);
for (const line of input.lines) fakeConsole.log(...line);
console.log(JSON.stringify({
  allowed: input.links.map((href) => safety.allowedLink(href, "http://localhost:8080/")),
  printed,
}));
"""


def run_in_node(links, lines):
    """Returns what chat_safety.js says of each link, and what its console passes on of each line."""
    node = shutil.which("node")
    assert node, "Node.js is needed (make setup installs the page's packages with it)"
    done = subprocess.run([node, "-e", RUNNER, str(SCRIPT)], input=json.dumps({"links": links, "lines": lines}),
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("href, allowed", [
    ("https://www.cancer.gov/types/soft-tissue-sarcoma", True),
    ("mailto:care-team@example.org", True),
    ("HTTPS://EXAMPLE.ORG", True),
    ("http://example.org", False),
    ("javascript:alert(1)", False),
    ("JaVaScRiPt:alert(1)", False),
    (" \tjavascript:alert(1)", False),
    ("java\nscript:alert(1)", False),
    ("data:text/html,<script>alert(1)</script>", False),
    ("vbscript:msgbox", False),
    ("/faq", False),  # relative: the page's own http: in development
    ("", False),
    ("https://[broken", False),
])
def test_only_https_and_mailto_links_stay_links(href, allowed):
    assert run_in_node([href], [])["allowed"] == [allowed]


def test_the_widgets_session_lines_and_tokens_never_reach_the_console():
    printed = run_in_node([], [
        ["connect:abcdefSID"],
        [f"session_confirm:abcdefSID session_id:{TOKEN}"],
        ["sending init payload", TOKEN],
        [f"some other message about {TOKEN}"],
        ["an ordinary message", 3],
    ])["printed"]
    assert printed == [["some other message about [conversation token]"], ["an ordinary message", 3]]
    assert TOKEN not in json.dumps(printed)
