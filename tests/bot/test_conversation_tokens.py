"""Server-issued conversation ids and tokens (bot/conversation_tokens.py) and the secret files they use."""
import os
import stat
import threading
import time

import jwt
import pytest

from bot import conversation_tokens
from bot.conversation_tokens import (
    AUDIENCE,
    MAX_ID_CHARS,
    REST,
    SOCKETIO,
    ConversationTokens,
    is_conversation_id,
    new_conversation_id,
    token_lifetime_seconds,
)
from bot.private_files import private_dir, read_or_create_secret, secret_from

TOKENS = ConversationTokens("unit-test-secret-0123456789abcdef", lifetime_seconds=3600)


def test_a_token_leads_back_to_its_own_conversation_only() -> None:
    conversation_id, token = TOKENS.start(SOCKETIO)
    assert conversation_id.startswith("ws-") and len(conversation_id) == 35
    assert TOKENS.conversation_of(token) == conversation_id
    assert TOKENS.conversation_of(token, SOCKETIO) == conversation_id
    other_id, other_token = TOKENS.start(SOCKETIO)
    assert other_id != conversation_id and TOKENS.conversation_of(other_token) == other_id


def test_channels_do_not_share_conversations() -> None:
    ws_id, ws_token = TOKENS.start(SOCKETIO)
    rest_id, rest_token = TOKENS.start(REST)
    assert rest_id.startswith("rest-")
    assert TOKENS.conversation_of(ws_token, REST) is None
    assert TOKENS.conversation_of(rest_token, SOCKETIO) is None


@pytest.mark.parametrize("forged", [
    # The id itself, as the old widget sent it.
    "ws-0123456789abcdef0123456789abcdef",
    None, 42, {"sub": "ws-1"}, "", "not.a.token", "x" * 5000,
    # Signed with another secret.
    jwt.encode({"sub": "ws-victim0001", "aud": AUDIENCE, "exp": int(time.time()) + 60},
               "someone-elses-secret-0123456789abcdef012", algorithm="HS256"),
    # Unsigned ("alg": "none").
    jwt.encode({"sub": "ws-victim0001", "aud": AUDIENCE, "exp": int(time.time()) + 60},
               None, algorithm="none"),
    # Expired.
    jwt.encode({"sub": "ws-victim0001", "aud": AUDIENCE, "exp": int(time.time()) - 5},
               TOKENS.secret, algorithm="HS256"),
    # Without an expiry.
    jwt.encode({"sub": "ws-victim0001", "aud": AUDIENCE}, TOKENS.secret, algorithm="HS256"),
    # For another purpose.
    jwt.encode({"sub": "ws-victim0001", "aud": "other", "exp": int(time.time()) + 60},
               TOKENS.secret, algorithm="HS256"),
    # A subject that is not an id of ours.
    jwt.encode({"sub": "../../etc", "aud": AUDIENCE, "exp": int(time.time()) + 60},
               TOKENS.secret, algorithm="HS256"),
    jwt.encode({"sub": "ws-" + "a" * MAX_ID_CHARS, "aud": AUDIENCE, "exp": int(time.time()) + 60},
               TOKENS.secret, algorithm="HS256"),
])
def test_forged_expired_or_foreign_tokens_grant_nothing(forged) -> None:
    assert TOKENS.conversation_of(forged) is None


@pytest.mark.parametrize("value, channel, expected", [
    ("ws-0123456789abcdef0123456789abcdef", None, True),
    ("ws-0123456789abcdef0123456789abcdef", SOCKETIO, True),
    ("ws-0123456789abcdef0123456789abcdef", REST, False),
    ("rest-moderator_1", REST, True),
    ("alice", None, False),
    ("default", None, False),
    ("ws-", None, False),
    ("ws-a b", None, False),
    ("ws-a\n", None, False),
    ("rest-" + "a" * (MAX_ID_CHARS - 5), None, True),
    ("rest-" + "a" * (MAX_ID_CHARS - 4), None, False),
    (12, None, False),
])
def test_conversation_id_format_and_length(value, channel, expected) -> None:
    assert is_conversation_id(value, channel) is expected


def test_new_ids_are_random_and_namespaced() -> None:
    ids = {new_conversation_id(REST) for _ in range(100)}
    assert len(ids) == 100 and all(is_conversation_id(i, REST) for i in ids)
    with pytest.raises(ValueError):
        new_conversation_id("sms")


def test_token_lifetime_setting(monkeypatch) -> None:
    monkeypatch.delenv("CONVERSATION_TOKEN_HOURS", raising=False)
    assert token_lifetime_seconds() == 24 * 3600
    monkeypatch.setenv("CONVERSATION_TOKEN_HOURS", "0.5")
    assert token_lifetime_seconds() == 1800
    for bad in ("0", "-1", "soon"):
        monkeypatch.setenv("CONVERSATION_TOKEN_HOURS", bad)
        with pytest.raises(ValueError, match="CONVERSATION_TOKEN_HOURS"):
            token_lifetime_seconds()


def test_an_issued_token_expires_after_its_lifetime() -> None:
    short = ConversationTokens(TOKENS.secret, lifetime_seconds=1)
    conversation_id, token = short.start(REST)
    claims = jwt.decode(token, TOKENS.secret, algorithms=["HS256"], audience=AUDIENCE)
    assert claims["exp"] - claims["iat"] == 1
    assert claims["sub"] == conversation_id


def test_the_secret_file_is_private_from_the_first_byte(tmp_path) -> None:
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    path = var / "server_secret"
    old_umask = os.umask(0)  # even with a permissive umask
    try:
        secret = read_or_create_secret(path)
    finally:
        os.umask(old_umask)
    assert len(secret) >= 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert read_or_create_secret(path) == secret
    assert [p.name for p in var.iterdir()] == ["server_secret"]


def test_processes_starting_together_share_one_secret(tmp_path) -> None:
    path = tmp_path / "var" / "server_secret"
    results = []
    threads = [threading.Thread(target=lambda: results.append(read_or_create_secret(path)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1 and len(results) == 8


def test_the_environment_wins_over_the_file(tmp_path, monkeypatch) -> None:
    path = tmp_path / "secret"
    monkeypatch.setenv("SOME_SECRET", "from-the-environment")
    assert secret_from("SOME_SECRET", path) == "from-the-environment"
    assert not path.exists()
    monkeypatch.delenv("SOME_SECRET")
    assert secret_from("SOME_SECRET", path, create=False) is None
    assert secret_from("SOME_SECRET", path) == path.read_text().strip()


def test_private_dir_tightens_an_existing_directory(tmp_path) -> None:
    folder = tmp_path / "var"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    private_dir(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_from_environment_reads_server_secret(monkeypatch) -> None:
    monkeypatch.setenv("SERVER_SECRET", "env-secret-for-this-test-0123456789abcdef")
    monkeypatch.setenv("CONVERSATION_TOKEN_HOURS", "2")
    tokens = ConversationTokens.from_environment()
    assert tokens.secret == "env-secret-for-this-test-0123456789abcdef" and tokens.lifetime_seconds == 7200
    assert conversation_tokens.SECRET_FILE.name == "server_secret"


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        ConversationTokens("short")
