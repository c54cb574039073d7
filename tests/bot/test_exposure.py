"""Exposure: the servers listen on 127.0.0.1 by default, and no secret is on a command line."""
from types import SimpleNamespace

import pytest
from rasa.server import requires_auth
from sanic.response import json as json_response

import bot.rasa_server
from bot.launcher import Stack, connect_host
from bot.rasa_server import ConstantTimeToken

API_TOKEN = "api-token-that-must-stay-off-argv"
SERVER_SECRET = "server-secret-that-must-stay-off-argv-0123456789"


@pytest.fixture
def stack(tmp_path, monkeypatch) -> Stack:
    monkeypatch.delenv("BIND_HOST", raising=False)
    monkeypatch.setenv("RASA_API_TOKEN", API_TOKEN)
    return Stack(model=tmp_path / "model.tar.gz", env={"SERVER_SECRET": SERVER_SECRET})


def test_no_secret_is_on_any_command_line(stack) -> None:
    for service in stack.services:
        command = " ".join(service.command)
        assert API_TOKEN not in command and SERVER_SECRET not in command
        assert "--auth-token" not in service.command


def test_every_server_listens_on_loopback_by_default(stack) -> None:
    rasa = next(s for s in stack.services if s.name == "Rasa server").command
    assert rasa[rasa.index("--interface") + 1] == "127.0.0.1"
    page = next(s for s in stack.services if s.name == "widget page").command
    assert page[page.index("--host") + 1] == "127.0.0.1"
    env = stack.child_env()
    assert env["SANIC_HOST"] == "127.0.0.1"  # rasa_sdk's action server reads it
    assert env["ACTION_ENDPOINT_URL"].startswith("http://127.0.0.1:")


def test_bind_host_setting_opens_them_up(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("BIND_HOST", "0.0.0.0")
    stack = Stack(model=tmp_path / "model.tar.gz", env={"SERVER_SECRET": SERVER_SECRET,
                                                        "RASA_API_TOKEN": API_TOKEN})
    rasa = next(s for s in stack.services if s.name == "Rasa server").command
    assert rasa[rasa.index("--interface") + 1] == "0.0.0.0"
    assert stack.child_env()["SANIC_HOST"] == "0.0.0.0"
    assert connect_host("0.0.0.0") == "127.0.0.1" and connect_host("10.0.0.5") == "10.0.0.5"


def test_rasa_sends_no_crash_reports_or_telemetry(stack, monkeypatch) -> None:
    monkeypatch.setenv("RASA_TELEMETRY_ENABLED", "true")
    assert stack.child_env()["RASA_TELEMETRY_ENABLED"] == "false"


def test_the_cors_origins_reach_the_rasa_server(stack) -> None:
    assert stack.child_env()["CORS_ORIGINS"] == stack.origins


def test_constant_time_token_compares_like_a_string(monkeypatch) -> None:
    token = ConstantTimeToken("s3cret")
    calls = []
    real = bot.rasa_server.hmac.compare_digest
    monkeypatch.setattr(bot.rasa_server.hmac, "compare_digest",
                        lambda a, b: calls.append((a, b)) or real(a, b))
    # Rasa writes `provided == token` with the request's string on the left.
    assert ("s3cret" == token) is True
    assert ("s3creT" == token) is False
    assert ("" == token) is False
    assert (None == token) is False  # noqa: E711
    assert ("s3cret" != token) is False
    assert len(calls) == 4, "the string's own comparison was used instead"
    assert "s3cret" not in repr(token)


async def test_rasas_api_check_uses_the_constant_time_comparison(monkeypatch) -> None:
    calls = []
    real = bot.rasa_server.hmac.compare_digest
    monkeypatch.setattr(bot.rasa_server.hmac, "compare_digest",
                        lambda a, b: calls.append(1) or real(a, b))
    app = SimpleNamespace(config={})

    @requires_auth(app, ConstantTimeToken("the-token"))
    async def status(request):
        return json_response({"ok": True})

    allowed = await status(SimpleNamespace(args={"token": "the-token"}))
    assert allowed.status == 200 and calls
    with pytest.raises(Exception) as refused:
        await status(SimpleNamespace(args={"token": "the-tokem"}))
    assert getattr(refused.value, "status", None) == 401


def test_the_entry_point_refuses_a_token_on_the_command_line() -> None:
    with pytest.raises(SystemExit, match="RASA_API_TOKEN"):
        bot.rasa_server.main(["run", "--enable-api", "--auth-token", "visible-to-ps"])
    with pytest.raises(SystemExit, match="RASA_API_TOKEN"):
        bot.rasa_server.main(["run", "--auth-token=visible-to-ps"])
