"""Starts the bot as a small cluster on this machine, and stops all of it together.

    python -m bot cluster            (what `make run-cluster` runs)

What it starts, in order, each on loopback (127.0.0.1) and each through bot.die_with_parent
(PostgreSQL, which runs as another user, through the same parent death signal set in the
child), so nothing outlives this process, whether it ends by Ctrl-C, SIGTERM or SIGKILL:

1. PostgreSQL: the conversation store that every Rasa server shares (`initdb` on the first run;
   its data stays in CLUSTER_DATA_DIR). Skipped when CLUSTER_POSTGRES_URL names one.
2. Redis: Rasa's lock store (one turn of a conversation at a time, across replicas) and the
   socket.io message queue (a reply reaches the widget whichever replica sent it). No data on
   disk. Skipped when CLUSTER_REDIS_URL names one.
3. M action servers (stateless; each builds the question index before it listens) and N Rasa
   servers (each loads the model), all at once: this is the long step.
4. The widget page server.
5. The retention job: one for the cluster (the replicas run none).
6. nginx in front: the page, the chat (socket.io, sticky per browser through a cookie, with
   websocket upgrades) and the REST channel (round robin) on one address; and a second
   address that balances the Rasa servers' calls to the action servers.

Settings (environment variables, README "Running several servers"):
CLUSTER_RASA_SERVERS (3), CLUSTER_ACTION_SERVERS (2), CLUSTER_PORT_BASE (7000),
CLUSTER_DATA_DIR (.cluster), CLUSTER_POSTGRES_URL, CLUSTER_REDIS_URL,
CLUSTER_POSTGRES_MAX_CONNECTIONS (100), SQL_POOL_SIZE (5), SQL_MAX_OVERFLOW (5),
TICKET_LOCK_LIFETIME (120 seconds, longer than the longest turn: bot/action_timeout.py),
ACTION_TIMEOUT_SECONDS (10).

PostgreSQL refuses to run as root: as root, this runs it as the `postgres` user that Debian's
package creates.
"""
from __future__ import annotations

import argparse
import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

from bot import ROOT
from bot.conversation_tokens import SECRET_ENV, server_secret
from bot.launcher import ACTION_SERVER_ENV, port_open, run_until_stopped, stop_like_ctrl_c
from bot.rasa_server import API_TOKEN_ENV, api_token

DEFAULT_MODEL = ROOT / "models" / "lms-assistant.tar.gz"
DEFAULT_DATA_DIR = ROOT / ".cluster"
HOST = "127.0.0.1"
POSTGRES_USER = "lms"
POSTGRES_DB = "conversations"
PACKAGES_HINT = ("Install them with 'sudo apt-get install postgresql redis-server nginx' "
                 "(make run-cluster does this itself when run as root).")
# Connections PostgreSQL keeps for superusers and for the retention job's margin.
RESERVED_CONNECTIONS = 5


def _setting(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        value = -1
    if value < 0:
        raise ValueError(f"{name} must be a whole number, not {raw!r}.")
    return value


@dataclass
class Ports:
    """Where each part listens, all counted from one base port."""

    base: int = 7000

    @property
    def front(self) -> int:
        """nginx: the page, the chat and the REST channel."""
        return self.base + 80

    @property
    def actions(self) -> int:
        """nginx: the balancer in front of the action servers."""
        return self.base + 50

    @property
    def page(self) -> int:
        return self.base + 90

    @property
    def postgres(self) -> int:
        return self.base + 32

    @property
    def redis(self) -> int:
        return self.base + 79

    def rasa(self, number: int) -> int:
        """Rasa server number 1, 2, ..."""
        return self.base + 100 + number

    def action(self, number: int) -> int:
        """Action server number 1, 2, ..."""
        return self.base + 150 + number


@dataclass
class Process:
    """One child process of the cluster."""

    name: str
    port: int
    command: List[str]
    env: Dict[str, str] = field(default_factory=dict)
    user: Optional[str] = None
    stop_signal: int = signal.SIGTERM
    popen: Optional[subprocess.Popen] = None

    def running(self) -> bool:
        """Returns True while the process has not exited."""
        return self.popen is not None and self.popen.poll() is None


def find_program(name: str) -> str:
    """Returns the path of a program of the Debian packages, or raises with what to install."""
    if name in ("initdb", "postgres"):
        # Debian keeps PostgreSQL's server programs off PATH, one folder per major version.
        versions = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
        if versions:
            return max(versions, key=lambda path: int(Path(path).parts[4]) if Path(path).parts[4].isdigit() else 0)
    path = shutil.which(name) or (f"/usr/sbin/{name}" if os.path.exists(f"/usr/sbin/{name}") else None)
    if not path:
        raise RuntimeError(f"{name} is not installed. {PACKAGES_HINT}")
    return path


def postgres_user() -> Optional[str]:
    """Returns the user PostgreSQL runs as: 'postgres' when this is root, else None (this user)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError("PostgreSQL refuses to run as root and there is no 'postgres' user. "
                           "Install Debian's postgresql package, which creates it.") from None
    return "postgres"


def nginx_config(ports: Ports, rasa_ports: List[int], action_ports: List[int], run_dir: Path) -> str:
    """Returns nginx.conf for the cluster: one front address and one action-server balancer."""
    rasa_servers = "\n".join(f"        server {HOST}:{port} max_fails=1 fail_timeout=5s;" for port in rasa_ports)
    action_servers = "\n".join(f"        server {HOST}:{port} max_fails=1 fail_timeout=5s;"
                               for port in action_ports)
    replica_names = "\n".join(f"        {HOST}:{port} rasa-{number};"
                              for number, port in enumerate(rasa_ports, start=1))
    temp = "\n".join(f"    {kind}_temp_path {run_dir / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""# Generated by bot/cluster.py for this run; edits are overwritten.
worker_processes 1;
daemon off;
pid {run_dir / 'nginx.pid'};
error_log {run_dir / 'nginx-error.log'} warn;
events {{ worker_connections 1024; }}

http {{
    # No access log: request lines carry conversation ids.
    access_log off;
{temp}
    client_max_body_size 64k;
    proxy_http_version 1.1;

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}
    # socket.io long-polling needs every request of one socket on the same replica. The first
    # request gets a random key in a cookie; the key picks the replica from then on.
    map $cookie_lms_replica $replica_key {{
        ""      $request_id;
        default $cookie_lms_replica;
    }}
    # Which replica answered a REST message (X-Rasa-Replica), for operators and the tests.
    map $upstream_addr $replica_name {{
        default "";
{replica_names}
    }}

    upstream rasa_round_robin {{
{rasa_servers}
    }}
    upstream rasa_sticky {{
        hash $replica_key consistent;
{rasa_servers}
    }}
    upstream action_servers {{
{action_servers}
    }}

    server {{
        listen {HOST}:{ports.front};
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;

        location /socket.io/ {{
            proxy_pass http://rasa_sticky;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 120s;
            add_header Set-Cookie "lms_replica=$replica_key; Path=/socket.io/; HttpOnly; SameSite=Strict" always;
        }}
        location /webhooks/ {{
            proxy_pass http://rasa_round_robin;
            # A replica that refuses the connection (it died) passes the message to another.
            proxy_next_upstream error;
            proxy_read_timeout 300s;
            add_header X-Rasa-Replica $replica_name always;
        }}
        location / {{
            proxy_pass http://{HOST}:{ports.page};
        }}
    }}

    server {{
        listen {HOST}:{ports.actions};
        location / {{
            proxy_pass http://action_servers;
            proxy_next_upstream error non_idempotent;
            # As long as Rasa waits for an action (5 minutes).
            proxy_read_timeout 300s;
        }}
    }}
}}
"""


class Cluster:
    """PostgreSQL, Redis, M action servers, N Rasa servers, the page, retention and nginx."""

    def __init__(self, model: Path = DEFAULT_MODEL, rasa_servers: int = 3, action_servers: int = 2,
                 ports: Optional[Ports] = None, data_dir: Path = DEFAULT_DATA_DIR,
                 env: Optional[Dict[str, str]] = None, postgres_url: Optional[str] = None,
                 redis_url: Optional[str] = None, max_connections: int = 100,
                 say: Callable[[str], None] = lambda text: print(text, flush=True)) -> None:
        if rasa_servers < 1 or action_servers < 1:
            raise ValueError("A cluster needs at least one Rasa server and one action server.")
        self.model = model
        self.ports = ports or Ports()
        self.data_dir = data_dir
        self.log_dir = data_dir / "logs"
        self.extra_env = dict(env or {})
        self.say = say
        self.max_connections = max_connections
        self.external_postgres = postgres_url
        self.external_redis = redis_url
        self.rasa_count, self.action_count = rasa_servers, action_servers
        self.processes: List[Process] = []
        self.started: List[Process] = []
        self.front_url = f"http://localhost:{self.ports.front}"
        self.rasa_urls = [f"http://{HOST}:{self.ports.rasa(n)}" for n in range(1, rasa_servers + 1)]
        self.pool_size = _setting("SQL_POOL_SIZE", 5)
        self.max_overflow = _setting("SQL_MAX_OVERFLOW", 5)
        self.lock_lifetime = _setting("TICKET_LOCK_LIFETIME", 120)
        self.check_pool_size()
        self.check_lock_lifetime()
        self.api_token = self.extra_env.get(API_TOKEN_ENV) or ""

    # --- settings -------------------------------------------------------------------

    def check_pool_size(self) -> None:
        """Raises when the replicas' and the retention job's pools could exceed max_connections."""
        clients = self.rasa_count + 1  # every Rasa server and the retention job
        most = clients * (self.pool_size + self.max_overflow)
        if most > self.max_connections - RESERVED_CONNECTIONS:
            raise ValueError(
                f"{self.rasa_count} Rasa servers and the retention job may open {most} connections "
                f"({clients} x (SQL_POOL_SIZE {self.pool_size} + SQL_MAX_OVERFLOW {self.max_overflow})), "
                f"more than PostgreSQL's max_connections {self.max_connections} minus "
                f"{RESERVED_CONNECTIONS} reserved. Lower SQL_POOL_SIZE or SQL_MAX_OVERFLOW, or raise "
                "CLUSTER_POSTGRES_MAX_CONNECTIONS.")

    def check_lock_lifetime(self) -> None:
        """Raises when TICKET_LOCK_LIFETIME is not longer than the longest turn (before anything starts)."""
        # Here, not at the top: the module loads Rasa, which this launcher otherwise never needs.
        from bot.action_timeout import check_lock_outlives_a_turn

        check_lock_outlives_a_turn(self.lock_lifetime)

    @property
    def postgres_password_file(self) -> Path:
        return self.data_dir / "postgres_password"

    @property
    def tracker_store_url(self) -> str:
        """Returns the SQLAlchemy URL of the shared conversation store."""
        if self.external_postgres:
            return self.external_postgres
        password = self.postgres_password_file.read_text().strip()
        return f"postgresql://{POSTGRES_USER}:{password}@{HOST}:{self.ports.postgres}/{POSTGRES_DB}"

    @property
    def redis_url(self) -> str:
        """Returns the Redis URL (database 0 is unused; the lock store uses 1)."""
        return self.external_redis or f"redis://{HOST}:{self.ports.redis}"

    @property
    def cors_origins(self) -> List[str]:
        """Returns the web origins of the front address (the page and the chat share it)."""
        return [f"http://localhost:{self.ports.front}", f"http://{HOST}:{self.ports.front}"]

    def shared_env(self) -> Dict[str, str]:
        """Returns the environment every Rasa server, action server and job gets."""
        env = dict(os.environ)
        redis = self.redis_url.rstrip("/")
        base = redis.rsplit("/", 1)[0] if redis.count("/") > 2 else redis
        env.update({
            "TRACKER_STORE_URL": self.tracker_store_url,
            "LOCK_STORE_URL": f"{base}/1",
            "SOCKETIO_REDIS_URL": f"{base}/2",
            "SQL_POOL_SIZE": str(self.pool_size),
            "SQL_MAX_OVERFLOW": str(self.max_overflow),
            "TICKET_LOCK_LIFETIME": str(self.lock_lifetime),
            "RETENTION_IN_RASA_SERVER": "0",
            "ACTIONS_PRELOAD_KNOWLEDGE": "1",
            "ACTION_ENDPOINT_URL": f"http://{HOST}:{self.ports.actions}/webhook",
            "CORS_ORIGINS": " ".join(self.cors_origins),
            "SANIC_HOST": HOST,
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": env.get("TF_CPP_MIN_LOG_LEVEL", "2"),
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        })
        env.update(self.extra_env)
        return env

    # --- processes --------------------------------------------------------------------

    def _spawn(self, process: Process) -> None:
        if port_open(process.port):
            raise RuntimeError(f"Port {process.port} for the {process.name} is already in use. Stop "
                               "whatever runs there (another cluster?) or set CLUSTER_PORT_BASE.")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{process.name.replace(' ', '_')}.log", "ab")
        env = self.shared_env()
        env.update(process.env)
        if process.user is None:
            guarded = [sys.executable, "-m", "bot.die_with_parent", str(os.getpid()), *process.command]
            process.popen = subprocess.Popen(guarded, cwd=ROOT, env=env, stdout=log,
                                             stderr=subprocess.STDOUT, start_new_session=True)
        else:
            # Another user may not reach this virtualenv's Python: the same parent death
            # signal, set in the child after it became that user and before it runs the server.
            process.popen = subprocess.Popen(process.command, cwd="/", env=env, stdout=log,
                                             stderr=subprocess.STDOUT, start_new_session=True,
                                             user=process.user, preexec_fn=_die_with(os.getpid()))
        log.close()
        if process not in self.started:
            self.started.append(process)

    def _wait_for(self, processes: List[Process], ready: Callable[[Process], bool], timeout: float,
                  what: str) -> None:
        started = time.monotonic()
        deadline = started + timeout
        waiting = list(processes)
        last_report = started
        while waiting:
            for process in list(waiting):
                if not process.running():
                    raise RuntimeError(f"The {process.name} exited during start-up (code "
                                       f"{process.popen.returncode if process.popen else '?'}); see "
                                       f"{self.log_dir / (process.name.replace(' ', '_') + '.log')}.")
                if ready(process):
                    waiting.remove(process)
                    self.say(f"      {process.name} is up on :{process.port} "
                             f"({time.monotonic() - started:.0f} s)")
            if not waiting:
                return
            now = time.monotonic()
            if now > deadline:
                raise RuntimeError(f"{', '.join(p.name for p in waiting)} did not become ready within "
                                   f"{timeout:.0f} s; see the logs in {self.log_dir}.")
            if now - last_report >= 15:
                last_report = now
                self.say(f"      still {what}: {', '.join(p.name for p in waiting)} "
                         f"({now - started:.0f} s)")
            time.sleep(0.5)

    def process(self, name: str) -> Process:
        """Returns the process called name (for example 'Rasa server 2', 'Redis')."""
        for process in self.processes:
            if process.name == name:
                return process
        raise KeyError(name)

    # --- PostgreSQL ---------------------------------------------------------------------

    def _postgres_process(self) -> Process:
        data = self.data_dir / "postgres"
        return Process(
            "PostgreSQL", self.ports.postgres,
            [find_program("postgres"), "-D", str(data), "-p", str(self.ports.postgres),
             "-c", f"listen_addresses={HOST}", "-c", f"unix_socket_directories={data}",
             "-c", f"max_connections={self.max_connections}", "-c", "fsync=on"],
            user=postgres_user(), stop_signal=signal.SIGINT)  # SIGINT: PostgreSQL's fast shutdown

    def _check_postgres_can_reach(self, user: Optional[str]) -> None:
        """Raises when PostgreSQL, running as another user, cannot reach the data folder."""
        if user is None:
            return
        reachable = subprocess.run(["test", "-x", str(self.data_dir)], user=user).returncode == 0
        if not reachable:
            raise RuntimeError(
                f"PostgreSQL runs as the '{user}' user, which cannot reach {self.data_dir} (a "
                "folder above it is closed to other users). Set CLUSTER_DATA_DIR to a folder "
                "it can reach, for example CLUSTER_DATA_DIR=/var/tmp/lms-cluster.")

    def _init_postgres(self) -> None:
        data = self.data_dir / "postgres"
        user = postgres_user()
        self._check_postgres_can_reach(user)
        if (data / "PG_VERSION").exists():
            return
        self.say(f"      first run: creating the database cluster in {data} (initdb)")
        password = secrets.token_urlsafe(24)
        self.postgres_password_file.write_text(password + "\n")
        self.postgres_password_file.chmod(0o600)
        data.mkdir(mode=0o700, parents=True, exist_ok=True)
        password_for_initdb = self.data_dir / ".initdb_password"
        password_for_initdb.write_text(password + "\n")
        if user:
            entry = pwd.getpwnam(user)
            for path in (data, password_for_initdb):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        try:
            subprocess.run([find_program("initdb"), "-D", str(data), "-U", POSTGRES_USER,
                            f"--pwfile={password_for_initdb}", "--auth=scram-sha-256",
                            "--encoding=UTF8", "--locale=C.UTF-8"],
                           check=True, user=user, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except subprocess.CalledProcessError as error:
            raise RuntimeError(f"initdb failed: {error.stderr.decode(errors='replace')[-500:]}") from None
        finally:
            password_for_initdb.unlink()

    def _postgres_ready(self, _process: Process) -> bool:
        import psycopg2

        password = self.postgres_password_file.read_text().strip()
        try:
            connection = psycopg2.connect(host=HOST, port=self.ports.postgres, user=POSTGRES_USER,
                                          password=password, dbname="postgres", connect_timeout=2)
        except psycopg2.OperationalError:
            return False
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (POSTGRES_DB,))
                if cursor.fetchone() is None:
                    cursor.execute(f"CREATE DATABASE {POSTGRES_DB}")
        finally:
            connection.close()
        return True

    # --- start and stop -------------------------------------------------------------------

    def plan(self) -> None:
        """Builds the list of processes (without starting them)."""
        python = sys.executable
        rasa = str(Path(python).parent / "rasa")
        origins = self.cors_origins
        processes: List[Process] = []
        if not self.external_postgres:
            processes.append(self._postgres_process())
        if not self.external_redis:
            redis_dir = self.data_dir / "redis"
            processes.append(Process(
                "Redis", self.ports.redis,
                [find_program("redis-server"), "--port", str(self.ports.redis), "--bind", HOST,
                 "--dir", str(redis_dir), "--save", "", "--appendonly", "no"]))
        for number in range(1, self.action_count + 1):
            port = self.ports.action(number)
            processes.append(Process(f"action server {number}", port,
                                     [rasa, "run", "actions", "--actions", "actions", "--port", str(port)],
                                     env=ACTION_SERVER_ENV))
        for number in range(1, self.rasa_count + 1):
            port = self.ports.rasa(number)
            processes.append(Process(
                f"Rasa server {number}", port,
                [python, "-m", "bot.rasa_server", "run", "--model", str(self.model), "--interface", HOST,
                 "--port", str(port), "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
                 "--enable-api", "--cors", *origins]))
        processes.append(Process("widget page", self.ports.page,
                                 [python, "-m", "bot", "web", "--host", HOST, "--port", str(self.ports.page),
                                  "--socket-url", self.front_url]))
        processes.append(Process("retention job", 0, [python, "-m", "bot.retention_job"]))
        processes.append(Process("nginx", self.ports.front,
                                 [find_program("nginx"), "-e", str(self.data_dir / "nginx" / "nginx-error.log"),
                                  "-p", str(self.data_dir / "nginx"),
                                  "-c", str(self.data_dir / "nginx" / "nginx.conf")],
                                 stop_signal=signal.SIGQUIT))  # SIGQUIT: nginx's graceful stop
        self.processes = processes

    def start(self, rasa_timeout: float = 600) -> None:
        """Starts every part and waits until each one serves; stops what it started on failure."""
        try:
            self._start(rasa_timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, rasa_timeout: float) -> None:
        if not self.model.exists():
            raise RuntimeError(f"No trained model at {self.model}. Run 'make train' first.")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Traversable, not listable: PostgreSQL (another user) reaches its own 0700 folder in it.
        self.data_dir.chmod(0o711)
        (self.data_dir / "redis").mkdir(mode=0o700, exist_ok=True)
        nginx_dir = self.data_dir / "nginx"
        # nginx's workers (user nobody when started as root) make their temp folders in it.
        nginx_dir.mkdir(exist_ok=True)
        nginx_dir.chmod(0o711)
        if not self.extra_env.get(SECRET_ENV):
            server_secret()  # one secret for every replica: a token from one works on all
        if not self.api_token:
            self.api_token = api_token()
        self.plan()
        steps = 6
        if not self.external_postgres:
            self.say(f"[1/{steps}] PostgreSQL (conversation store) on :{self.ports.postgres}")
            self._init_postgres()
            postgres = self.process("PostgreSQL")
            self._spawn(postgres)
            self._wait_for([postgres], self._postgres_ready, 60, "starting")
        else:
            self.say(f"[1/{steps}] PostgreSQL: using CLUSTER_POSTGRES_URL")
        if not self.external_redis:
            self.say(f"[2/{steps}] Redis (lock store and socket.io queue) on :{self.ports.redis}")
            redis = self.process("Redis")
            self._spawn(redis)
            self._wait_for([redis], lambda p: port_open(p.port), 30, "starting")
        else:
            self.say(f"[2/{steps}] Redis: using CLUSTER_REDIS_URL")
        actions = [p for p in self.processes if p.name.startswith("action server")]
        rasas = [p for p in self.processes if p.name.startswith("Rasa server")]
        self.say(f"[3/{steps}] {len(actions)} action server(s) on "
                 f"{', '.join(':' + str(p.port) for p in actions)} (building the question index) and "
                 f"{len(rasas)} Rasa server(s) on {', '.join(':' + str(p.port) for p in rasas)} "
                 "(loading the model), all in parallel: one to three minutes on 2 cores")
        for process in actions + rasas:
            self._spawn(process)
        self._wait_for(actions + rasas, self._serving, rasa_timeout, "loading")
        self.say(f"[4/{steps}] widget page on :{self.ports.page}")
        page = self.process("widget page")
        self._spawn(page)
        self._wait_for([page], lambda p: port_open(p.port), 60, "starting")
        self.say(f"[5/{steps}] retention job (one for the whole cluster)")
        self._spawn(self.process("retention job"))
        self.say(f"[6/{steps}] nginx on :{self.ports.front} (page, chat, REST) "
                 f"and :{self.ports.actions} (action servers)")
        (nginx_dir / "nginx.conf").write_text(nginx_config(
            self.ports, [p.port for p in rasas], [p.port for p in actions], nginx_dir))
        nginx = self.process("nginx")
        self._spawn(nginx)
        self._wait_for([nginx], lambda p: port_open(p.port) and port_open(self.ports.actions), 30, "starting")

    def _serving(self, process: Process) -> bool:
        """Returns True when an action server listens, or a Rasa server has loaded its model."""
        if process.name.startswith("Rasa server"):
            return self._rasa_ready(process)
        return port_open(process.port)

    def _rasa_ready(self, process: Process) -> bool:
        import requests

        try:
            status = requests.get(f"http://{HOST}:{process.port}/status",
                                  params={"token": self.api_token}, timeout=3)
        except requests.RequestException:
            return False
        return status.ok and bool(status.json().get("model_file"))

    def stop_process(self, process: Process, timeout: float = 30, signalled: bool = False) -> None:
        """Stops one process with its own stop signal (unless signalled already), SIGKILL after timeout."""
        popen = process.popen
        if popen is None or popen.poll() is not None:
            return
        try:
            if not signalled:
                os.killpg(popen.pid, process.stop_signal)
            popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(popen.pid, signal.SIGKILL)
            popen.wait()
        except ProcessLookupError:
            popen.wait()

    def start_process(self, process: Process) -> None:
        """Starts one stopped process again and waits until it listens (for the fault tests)."""
        self._spawn(process)
        if process.name == "PostgreSQL":
            self._wait_for([process], self._postgres_ready, 60, "starting")
        elif process.name.startswith("Rasa server"):
            self._wait_for([process], self._rasa_ready, 600, "loading the model")
        elif process.port:
            self._wait_for([process], lambda p: port_open(p.port), 60, "starting")

    def stop(self) -> None:
        """Stops everything that was started: the front first, then the servers together, the stores last."""
        stores = ("PostgreSQL", "Redis")
        servers = [p for p in self.started if p.name.startswith(("Rasa server", "action server"))]
        front = [p for p in self.started if p not in servers and p.name not in stores]
        last = [p for p in self.started if p.name in stores]
        for tier in (front, servers, list(reversed(last))):
            running = [p for p in reversed(tier) if p.running()]
            if running:
                self.say(f"  stopping {', '.join(p.name for p in running)}")
            for process in running:
                self._signal(process, process.stop_signal)
            for process in running:
                self.stop_process(process, signalled=True)

    @staticmethod
    def _signal(process: Process, signal_number: int) -> None:
        try:
            os.killpg(process.popen.pid, signal_number)
        except (ProcessLookupError, AttributeError):
            pass

    def failed(self) -> Optional[Process]:
        """Returns a process that has exited on its own, if any."""
        for process in self.started:
            if process.popen is not None and process.popen.poll() is not None:
                return process
        return None

    def addresses(self) -> str:
        """Returns what a person needs to use the running cluster."""
        lines = [
            f"  Chat in the browser:  {self.front_url}",
            f"  REST channel:         POST {self.front_url}/webhooks/rest/webhook",
            f"  Rasa servers (HTTP API, token in {'$RASA_API_TOKEN' if os.environ.get(API_TOKEN_ENV) else 'var/api_token'}):",
            *(f"                        {url}" for url in self.rasa_urls),
            f"  action servers:       http://{HOST}:{self.ports.actions} (balanced), "
            + ", ".join(f":{self.ports.action(n)}" for n in range(1, self.action_count + 1)),
            f"  conversation store:   {self._without_password(self.tracker_store_url)}",
            f"  lock store, socket.io queue: {self.redis_url}",
            f"  logs:                 {self.log_dir}",
        ]
        return "\n".join(lines)

    @staticmethod
    def _without_password(url: str) -> str:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)


def _die_with(parent: int) -> Callable[[], None]:
    """Returns a preexec_fn that asks Linux to stop the child when parent dies (see bot.die_with_parent)."""
    from bot.die_with_parent import ask_for_termination_with_parent

    def in_child() -> None:
        ask_for_termination_with_parent()
        if os.getppid() != parent:
            os._exit(1)

    return in_child


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the cluster until Ctrl-C or SIGTERM; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m bot cluster", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, stop_like_ctrl_c)
    signal.signal(signal.SIGINT, stop_like_ctrl_c)
    try:
        cluster = Cluster(
            model=args.model,
            rasa_servers=_setting("CLUSTER_RASA_SERVERS", 3),
            action_servers=_setting("CLUSTER_ACTION_SERVERS", 2),
            ports=Ports(_setting("CLUSTER_PORT_BASE", 7000)),
            data_dir=Path(os.environ.get("CLUSTER_DATA_DIR") or DEFAULT_DATA_DIR).resolve(),
            postgres_url=os.environ.get("CLUSTER_POSTGRES_URL") or None,
            redis_url=os.environ.get("CLUSTER_REDIS_URL") or None,
            max_connections=_setting("CLUSTER_POSTGRES_MAX_CONNECTIONS", 100),
        )
    except (ValueError, RuntimeError) as error:
        print(f"Could not start the cluster: {error}")
        return 2
    try:
        cluster.start()
    except RuntimeError as error:
        print(f"Could not start the cluster: {error}")
        return 1
    except KeyboardInterrupt:
        return 0
    print(f"\nThe cluster is running ({cluster.rasa_count} Rasa servers, {cluster.action_count} "
          f"action servers).\n{cluster.addresses()}\nPress Ctrl-C to stop all of it.", flush=True)
    return run_until_stopped(cluster)
