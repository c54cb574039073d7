"""Starts the action server, the Rasa server and the widget page together, and stops them together."""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from bot.conversation_tokens import SECRET_ENV, server_secret
from bot.rasa_server import API_TOKEN_ENV, api_token

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = ROOT / "models" / "lms-assistant.tar.gz"
BIND_HOST_ENV = "BIND_HOST"
DEFAULT_BIND_HOST = "127.0.0.1"


def bind_host() -> str:
    """Returns the address the servers listen on: BIND_HOST, default 127.0.0.1 (this machine only)."""
    return os.environ.get(BIND_HOST_ENV, "").strip() or DEFAULT_BIND_HOST


def connect_host(host: str) -> str:
    """Returns the address to reach a server that listens on host."""
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host


# The action server (rasa_sdk's Sanic) keeps an idle connection open longer than the Rasa
# server's HTTP client reuses one (aiohttp: 15 s). With Sanic's default of 5 s, a busy Rasa
# server wrote an action call into a connection Sanic was closing ("Cannot write to closing
# transport") and the patient got the unavailable notice.
# It also builds the question index before it listens (actions/__init__.py): built on the
# first question instead (12 s to a minute), it took longer than a turn may wait for the
# action server (ACTION_TIMEOUT_SECONDS), and the first patient got the unavailable notice.
ACTION_SERVER_ENV = {"SANIC_KEEP_ALIVE_TIMEOUT": "60", "ACTIONS_PRELOAD_KNOWLEDGE": "1"}


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Returns True when something accepts TCP connections on host:port."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


@dataclass
class Service:
    """One child process of the stack and the port it serves."""

    name: str
    port: int
    command: List[str]
    process: Optional[subprocess.Popen] = None
    # Settings for this service only, on top of the stack's.
    env: Dict[str, str] = field(default_factory=dict)


@dataclass
class Stack:
    """The three services of the bot, started in order and stopped in reverse."""

    model: Path = DEFAULT_MODEL
    rasa_port: int = 5005
    action_port: int = 5055
    web_port: int = 8080
    env: Dict[str, str] = field(default_factory=dict)
    log_dir: Optional[Path] = None
    services: List[Service] = field(default_factory=list)

    def __post_init__(self) -> None:
        bin_dir = Path(sys.executable).parent
        rasa = str(bin_dir / "rasa")
        self.host = self.env.get(BIND_HOST_ENV) or bind_host()
        self.origins = self.env.get("CORS_ORIGINS") or os.environ.get(
            "CORS_ORIGINS", f"http://localhost:{self.web_port} http://127.0.0.1:{self.web_port}"
        )
        # No secret on any command line: `ps` shows command lines to every local user.
        self.services = [
            Service("action server", self.action_port,
                    [rasa, "run", "actions", "--actions", "actions", "--port", str(self.action_port)],
                    env=ACTION_SERVER_ENV),
            Service("Rasa server", self.rasa_port,
                    [sys.executable, "-m", "bot.rasa_server", "run", "--model", str(self.model),
                     "--interface", self.host, "--port", str(self.rasa_port),
                     "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
                     "--enable-api", "--cors", *self.origins.split()]),
            Service("widget page", self.web_port,
                    [sys.executable, "-m", "bot", "web", "--host", self.host,
                     "--port", str(self.web_port),
                     "--socket-url", f"http://localhost:{self.rasa_port}"]),
        ]

    def child_env(self) -> Dict[str, str]:
        """Returns the environment for the child processes."""
        env = dict(os.environ)
        # The Rasa server must call the action server of this stack, whatever the shell says.
        env["ACTION_ENDPOINT_URL"] = f"http://{connect_host(self.host)}:{self.action_port}/webhook"
        env.update(self.env)
        env["SANIC_HOST"] = self.host  # where the action server (rasa_sdk) listens
        env["CORS_ORIGINS"] = self.origins  # the socket.io channel checks Origin against it
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        # Rasa's telemetry also sends crash reports, with their local variables (message
        # text among them), to Rasa's Sentry: never for a patient's conversation.
        env["RASA_TELEMETRY_ENABLED"] = "false"
        env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        return env

    def start(self, timeout: float = 240.0, only: Optional[List[str]] = None) -> None:
        """Starts the services (or those named in only) and waits until each one listens."""
        # Made once here, before the servers that read them start.
        if not self.env.get(SECRET_ENV):
            server_secret()
        if not self.env.get(API_TOKEN_ENV):
            api_token()
        for service in self.services:
            if only and service.name not in only:
                continue
            if port_open(service.port, connect_host(self.host)):
                self.stop()  # the services this call already started
                raise RuntimeError(
                    f"Port {service.port} for the {service.name} is already in use. "
                    "Stop whatever runs there (another 'make run'?) and try again.")
            print(f"  starting the {service.name} on :{service.port} ...", flush=True)
            out = None
            if self.log_dir:
                self.log_dir.mkdir(parents=True, exist_ok=True)
                out = open(self.log_dir / f"{service.name.replace(' ', '_')}.log", "ab")
            # Through bot.die_with_parent: the server ends when this process ends, however
            # it ends (even by SIGKILL, which gives stop() no chance to run).
            guarded = [sys.executable, "-m", "bot.die_with_parent", str(os.getpid()), *service.command]
            service.process = subprocess.Popen(
                guarded, cwd=ROOT, env={**self.child_env(), **service.env}, stdout=out,
                stderr=subprocess.STDOUT if out else None, start_new_session=True)
            self._wait_for(service, timeout)
            print(f"  the {service.name} is up on :{service.port}", flush=True)

    def _wait_for(self, service: Service, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if service.process and service.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"The {service.name} exited during start-up "
                                   f"(code {service.process.returncode}); see its output above.")
            if port_open(service.port, connect_host(self.host)):
                return
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"The {service.name} did not open :{service.port} within {timeout:.0f} s.")

    def stop(self, only: Optional[List[str]] = None) -> None:
        """Stops the running services (or those named in only), newest first."""
        for service in reversed(self.services):
            if only and service.name not in only:
                continue
            process = service.process
            if process is None or process.poll() is not None:
                continue
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            service.process = None

    def failed(self) -> Optional[Service]:
        """Returns a service that has exited on its own, if any."""
        for service in self.services:
            if service.process is not None and service.process.poll() is not None:
                return service
        return None


def stop_like_ctrl_c(signum, frame) -> None:
    """A signal handler that makes SIGTERM stop things as Ctrl-C does (KeyboardInterrupt)."""
    raise KeyboardInterrupt


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the whole bot until Ctrl-C; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m bot run", description=__doc__)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--action-port", type=int, default=5055)
    parser.add_argument("--web-port", type=int, default=8080)
    args = parser.parse_args(argv)
    if not args.model.exists():
        print(f"No trained model at {args.model}. Run 'make run' (it trains one) or 'make train'.")
        return 2
    stack = Stack(args.model, args.rasa_port, args.action_port, args.web_port)
    # Stop the children on SIGTERM too (and on SIGINT when started in the background,
    # where the shell makes the process ignore it).
    signal.signal(signal.SIGTERM, stop_like_ctrl_c)
    signal.signal(signal.SIGINT, stop_like_ctrl_c)
    try:
        stack.start()
    except RuntimeError as error:
        print(f"Could not start the bot: {error}")
        return 1
    except KeyboardInterrupt:
        stack.stop()
        return 0
    print(f"\nThe bot is running.\n"
          f"  Chat in the browser:  http://localhost:{args.web_port}\n"
          f"  REST channel:         POST http://localhost:{args.rasa_port}/webhooks/rest/webhook\n"
          f"  HTTP API token:       {'$RASA_API_TOKEN' if os.environ.get('RASA_API_TOKEN') else 'var/api_token'}\n"
          f"Press Ctrl-C to stop all three.", flush=True)
    return run_until_stopped(stack)


def run_until_stopped(servers) -> int:
    """Waits until Ctrl-C or SIGTERM (returns 0) or until a server stops on its own (returns 1), then stops them all.

    servers: a started Stack or cluster (anything with failed() and stop()).
    """
    try:
        while (dead := servers.failed()) is None:
            time.sleep(1)
        print(f"The {dead.name} stopped unexpectedly; stopping the others.")
        return 1
    except KeyboardInterrupt:
        print("\nStopping ...", flush=True)
        return 0
    finally:
        # A second Ctrl-C or SIGTERM (timeout, CI runners and container stops send them)
        # must not cut the stopping short and leave servers behind.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        servers.stop()
