"""The chat page server: the page, its settings, the widget bundle, and nothing else."""
import errno
import urllib.error
import urllib.request

import pytest

from bot import webserver
from tests.bot import page_server


@pytest.fixture(scope="module")
def page_url():
    """Serves the page on a free port with a known socket URL; returns its base URL."""
    with page_server.running(socket="https://chat.example.org:5005") as url:
        yield url


def get(url):
    """Returns (status, headers, body text) of a GET."""
    try:
        with urllib.request.urlopen(url) as reply:
            return reply.status, reply.headers, reply.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8")


def test_serves_the_page(page_url):
    status, headers, body = get(page_url + "/")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert '<html lang="en">' in body
    assert 'name="viewport"' in body
    assert "<h1>LMS information assistant</h1>" in body
    assert "call 988 (US) or your local emergency number" in body
    # On a phone the introduction folds (page.js opens it on wide screens).
    assert '<details class="intro" id="about">' in body and "<summary>About this assistant" in body
    assert "<noscript>" in body
    assert 'src="/static/webchat.js"' in body and 'src="/config.js"' in body
    assert "cdn" not in body.lower() and "https://" not in body


def test_config_names_the_socket_url(page_url):
    status, headers, body = get(page_url + "/config.js")
    assert status == 200
    assert headers["Content-Type"].startswith("text/javascript")
    assert body == 'window.LMS_WIDGET_CONFIG = {"socketUrl": "https://chat.example.org:5005"};\n'


def test_socket_url_defaults_to_the_environment(monkeypatch):
    monkeypatch.setenv("RASA_SOCKET_URL", "http://rasa.internal:5005")
    assert webserver.socket_url() == "http://rasa.internal:5005"
    monkeypatch.delenv("RASA_SOCKET_URL")
    assert webserver.socket_url() == "http://localhost:5005"


def test_serves_the_widget_bundle_from_node_modules(page_url):
    assert webserver.WIDGET_BUNDLE.exists(), "run 'npm install' in the project folder first"
    status, headers, body = get(page_url + "/static/webchat.js")
    assert status == 200
    assert headers["Content-Type"].startswith("text/javascript")
    assert "WebChat" in body[:2000]


def test_serves_the_page_script_and_styles(page_url):
    script = get(page_url + "/page.js")
    styles = get(page_url + "/page.css")
    assert script[0] == 200 and "WebChat.default" in script[2]
    assert 'initPayload: "hello"' in script[2]
    assert 'storage: "session"' in script[2]
    assert styles[0] == 200 and "font-size: 18px" in styles[2]


def test_the_policy_allows_only_this_server_and_the_socket(page_url):
    _, headers, _ = get(page_url + "/")
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self' https://chat.example.org:5005 wss://chat.example.org:5005" in policy
    assert "font-src 'self' data:" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/../bot/webserver.py", "/web/index.html", "/node_modules/rasa-webchat/package.json", "/etc/passwd"])
def test_nothing_else_is_served(page_url, path):
    status, _, _ = get(page_url + path)
    assert status == 404


def test_head_sends_headers_without_a_body(page_url):
    request = urllib.request.Request(page_url + "/page.css", method="HEAD")
    with urllib.request.urlopen(request) as reply:
        assert reply.status == 200
        assert reply.headers["Content-Type"].startswith("text/css")
        assert reply.read() == b""


def test_a_port_in_use_is_reported_as_such():
    taken = webserver.listening_socket("127.0.0.1", 0)
    try:
        with pytest.raises(OSError) as error:
            webserver.listening_socket("127.0.0.1", taken.getsockname()[1])
        assert error.value.errno == errno.EADDRINUSE
    finally:
        taken.close()


def test_the_page_loads_the_chat_safety_script_before_it_starts_the_widget(page_url):
    body = get(page_url + "/")[2]
    assert body.index('src="/static/webchat.js"') < body.index('src="/static/lms-chat-safety.js"') \
        < body.index('src="/page.js"')
    status, headers, script = get(page_url + "/static/lms-chat-safety.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert "LmsChatSafety" in script


def test_serves_the_embed_files_for_other_websites(page_url):
    script = get(page_url + "/static/lms-chat-embed.js")
    styles = get(page_url + "/static/lms-chat-embed.css")
    assert script[0] == 200 and script[1]["Content-Type"].startswith("text/javascript")
    assert "data-socket-url" in script[2] and "Chat with the LMS information assistant" in script[2]
    assert styles[0] == 200 and ".lms-chat .rw-launcher" in styles[2]


def test_the_send_button_gets_a_word(page_url):
    _, _, script = get(page_url + "/page.js")
    assert 'word.textContent = "Send"' in script


def test_a_silent_connection_is_closed(monkeypatch):
    import socket
    from urllib.parse import urlsplit

    monkeypatch.setattr(webserver, "SOCKET_TIMEOUT_SECONDS", 0.5)
    with page_server.running() as url:
        address = urlsplit(url)
        with socket.create_connection((address.hostname, address.port), timeout=30) as client:
            client.sendall(b"GET / HT")  # and then nothing more
            # The server gives up on the request and closes: recv sees the end (after a 408),
            # not the client's own 30 s timeout.
            received = b""
            while chunk := client.recv(1024):
                received += chunk
            assert b"200 OK" not in received
