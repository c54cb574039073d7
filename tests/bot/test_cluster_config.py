"""The cluster's pieces that need no running servers: nginx's config, the pool check, the store choices."""
import shutil
import subprocess
import time

import pytest
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import read_endpoint_config
from socketio import AsyncRedisManager, AsyncServer

from bot.channels import share_rooms_through_redis
from bot.cluster import Cluster, Ports, nginx_config
from bot.lock_store import AtomicRedisLockStore, QueueKeepingInMemoryLockStore
from bot.tracker_store import ProjectSQLTrackerStore
from tests.bot.test_tracker_store import DAY, conversation


def test_nginx_balances_rasa_and_action_servers_and_keeps_sockets_sticky(tmp_path):
    ports = Ports(30000)
    config = nginx_config(ports, [30101, 30102], [30151], tmp_path)
    assert config.count("server 127.0.0.1:30101") == 2  # round robin and sticky upstreams
    assert "server 127.0.0.1:30151" in config
    assert "hash $replica_key consistent;" in config  # socket.io: one replica per browser
    assert "proxy_set_header Upgrade $http_upgrade;" in config  # websockets pass
    assert f"listen 127.0.0.1:{ports.front};" in config and f"listen 127.0.0.1:{ports.actions};" in config
    assert "127.0.0.1:30102 rasa-2;" in config  # X-Rasa-Replica names the replica
    assert "access_log off;" in config  # request lines carry conversation ids


@pytest.mark.skipif(not (shutil.which("nginx") or shutil.which("/usr/sbin/nginx")), reason="nginx not installed")
def test_nginx_accepts_the_generated_config(tmp_path):
    (tmp_path / "nginx.conf").write_text(nginx_config(Ports(30000), [30101], [30151], tmp_path))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    check = subprocess.run([nginx, "-t", "-e", str(tmp_path / "error.log"), "-p", str(tmp_path),
                            "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_pools_that_could_exceed_max_connections_are_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("SQL_POOL_SIZE", "10")
    monkeypatch.setenv("SQL_MAX_OVERFLOW", "10")
    with pytest.raises(ValueError, match="max_connections"):
        Cluster(rasa_servers=5, data_dir=tmp_path)  # 6 x 20 > 100 - 5
    Cluster(rasa_servers=3, data_dir=tmp_path)  # 4 x 20 = 80 fits


def test_the_lock_store_is_in_memory_unless_a_redis_url_is_set(monkeypatch):
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://localhost:5055/webhook")
    config = read_endpoint_config("endpoints.yml", "lock_store")
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    assert type(LockStore.create(config)) is QueueKeepingInMemoryLockStore
    monkeypatch.setenv("LOCK_STORE_URL", "redis://127.0.0.1:6390/1")
    store = LockStore.create(config)  # redis-py connects on first use, not here
    assert type(store) is AtomicRedisLockStore
    assert store.red.connection_pool.connection_kwargs["port"] == 6390
    assert store.red.connection_pool.connection_kwargs["db"] == 1
    monkeypatch.setenv("LOCK_STORE_URL", "memcached://somewhere")
    with pytest.raises(ValueError, match="redis://"):
        LockStore.create(config)


def test_socketio_rooms_go_through_redis_only_when_configured(monkeypatch):
    monkeypatch.delenv("SOCKETIO_REDIS_URL", raising=False)
    alone = AsyncServer(async_mode="sanic")
    assert not share_rooms_through_redis(alone)
    assert not isinstance(alone.manager, AsyncRedisManager)
    monkeypatch.setenv("SOCKETIO_REDIS_URL", "redis://127.0.0.1:6390/2")
    shared = AsyncServer(async_mode="sanic")
    assert share_rooms_through_redis(shared)
    assert isinstance(shared.manager, AsyncRedisManager) and shared.manager.server is shared


async def test_replicas_leave_retention_to_the_cluster_job(tracker_url, domain, monkeypatch):
    old = time.time() - 40 * DAY
    await ProjectSQLTrackerStore(domain=domain, retention_days=0).save(conversation("old", domain, old))
    monkeypatch.setenv("RETENTION_DAYS", "30")
    monkeypatch.setenv("RETENTION_IN_RASA_SERVER", "0")
    replica = ProjectSQLTrackerStore(domain=domain)
    assert replica.retention_days == 0
    assert await replica.retrieve("old") is not None  # a replica deletes nothing at start
    monkeypatch.setenv("RETENTION_IN_RASA_SERVER", "1")
    ProjectSQLTrackerStore(domain=domain).stop_sweeping()  # the default: the server sweeps
    assert await replica.retrieve("old") is None


def test_a_missing_server_program_says_what_to_install():
    from bot.cluster import find_program

    with pytest.raises(RuntimeError, match="apt-get install postgresql redis-server nginx"):
        find_program("no-such-server-program")


async def test_an_unreachable_conversation_store_stops_the_turn_with_the_unavailable_notice(
        tracker_url, domain):
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.tracker_store import FailSafeTrackerStore
    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    from bot.channels import SERVICE_UNAVAILABLE, handle_guarded
    from bot.tracker_store import ConversationStoreUnavailable
    from tests.bot.test_channels import domain_text

    store = ProjectSQLTrackerStore(domain=domain, retention_days=0)
    # The database goes away (a file in a folder that does not exist cannot be opened).
    store.engine = create_engine("sqlite:////no-such-folder/tracker.db")
    store.sessionmaker = sessionmaker(bind=store.engine)
    # Rasa wraps every store in FailSafeTrackerStore, which would carry on with a new, empty
    # conversation; the error passes through it.
    wrapped = FailSafeTrackerStore(store)
    with pytest.raises(ConversationStoreUnavailable):
        await wrapped.get_or_create_tracker("patient-1")

    async def model(message: UserMessage) -> None:
        await wrapped.get_or_create_tracker(message.sender_id)
        await message.output_channel.send_response(message.sender_id, {"text": "an answer"})

    collector = CollectingOutputChannel()
    await handle_guarded(UserMessage("Grade 2", collector, "patient-1"), model, domain_text)
    assert [m["text"] for m in collector.messages] == [domain_text(SERVICE_UNAVAILABLE)]
