"""Stopping: no server outlives the launcher, whether its process group gets SIGTERM or it gets SIGKILL."""
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A launcher whose "servers" are two tiny HTTP servers; it prints their pids once they listen.
LAUNCHER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from bot.launcher import Service, Stack
    ports = [int(p) for p in sys.argv[1:3]]
    stack = Stack(env={"SERVER_SECRET": "s" * 40, "RASA_API_TOKEN": "t"}, log_dir=Path(sys.argv[3]))
    stack.services = [Service(f"server {port}", port,
                              [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)])
                      for port in ports]
    stack.start(timeout=60)
    print("PIDS", " ".join(str(s.process.pid) for s in stack.services), flush=True)
    time.sleep(600)
""")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has ended; only its parent has not collected it yet.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ")[-1][0] != "Z"


def wait_until_gone(pids, seconds=60.0) -> list:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(pid) for pid in pids):
        time.sleep(0.2)
    return [pid for pid in pids if alive(pid)]


@pytest.fixture
def launcher(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(free_port()), str(free_port()),
                                str(tmp_path)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
                               start_new_session=True)  # its own group, like `make run` in a shell
    line = ""
    for line in process.stdout:
        if line.startswith("PIDS "):
            break
    pids = [int(pid) for pid in line.split()[1:]]
    assert len(pids) == 2 and all(alive(pid) for pid in pids)
    yield process, pids
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    if process.poll() is None:
        process.kill()
    process.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent death signal is Linux's")
def test_servers_die_with_a_killed_launcher(launcher):
    process, pids = launcher
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert wait_until_gone(pids) == [], "servers outlived a SIGKILLed launcher"


def test_servers_stop_when_the_launchers_group_gets_sigterm(launcher):
    process, pids = launcher
    os.killpg(process.pid, signal.SIGTERM)
    assert wait_until_gone(pids) == [], "servers outlived a SIGTERM to the launcher's group"


def test_a_taken_port_stops_the_servers_already_started(tmp_path):
    # Regression: the port-in-use error left the servers started before it running.
    from bot.launcher import Service, Stack

    first, taken = free_port(), socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    stack = Stack(env={"SERVER_SECRET": "s" * 40, "RASA_API_TOKEN": "t"}, log_dir=tmp_path)
    stack.services = [Service(f"server {port}", port,
                              [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)])
                      for port in (first, taken.getsockname()[1])]
    try:
        with pytest.raises(RuntimeError, match="already in use"):
            stack.start(timeout=60)
        from bot.launcher import port_open

        assert stack.services[0].process is None  # stopped and collected
        assert not port_open(first)
    finally:
        taken.close()
        stack.stop()


# The benchmark's moodbot, with `rasa` replaced by a script that sleeps; it prints its pid.
BENCHMARK = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import bench.bots as bots
    bots.RASA = sys.argv[3]
    bots.ensure_moodbot = lambda folder, quick=False: Path("model.tar.gz")
    mood = bots.Moodbot(name="moodbot", url="", folder=Path(sys.argv[2]), port=int(sys.argv[1]))
    mood.start()
    print("PID", mood.process.pid, flush=True)
    time.sleep(600)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent death signal is Linux's")
def test_the_benchmarks_moodbot_dies_with_a_killed_benchmark(tmp_path):
    # Regression: the moodbot was started without bot.die_with_parent, so a benchmark stopped
    # by a signal left it running and listening.
    # No PYTHONPATH: the moodbot runs in its own folder, where this project is not importable.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    rasa = tmp_path / "rasa"
    rasa.write_text("#!/bin/sh\nexec sleep 600\n")
    rasa.chmod(0o755)
    process = subprocess.Popen([sys.executable, "-c", BENCHMARK, str(free_port()), str(tmp_path), str(rasa)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        line = ""
        for line in process.stdout:
            if line.startswith("PID "):
                break
        assert line.startswith("PID "), line
        pid = int(line.split()[1])
        assert alive(pid)
        process.kill()
        process.wait()
        assert wait_until_gone([pid]) == []
    finally:
        if process.poll() is None:
            process.kill()


class FakeServers:
    """A started group of servers for run_until_stopped: fails after `alive` checks, or is interrupted."""

    def __init__(self, alive=0, interrupt=False):
        self.alive, self.interrupt, self.stopped = alive, interrupt, False

    def failed(self):
        if self.interrupt:
            raise KeyboardInterrupt
        if self.alive:
            self.alive -= 1
            return None
        return type("Dead", (), {"name": "action server"})()

    def stop(self):
        self.stopped = True


@pytest.mark.parametrize("servers,code", [(FakeServers(alive=1), 1), (FakeServers(interrupt=True), 0)])
def test_make_run_and_the_cluster_stop_every_server_however_their_wait_ends(servers, code, monkeypatch, capsys):
    from bot import launcher

    monkeypatch.setattr(launcher.time, "sleep", lambda seconds: None)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        assert launcher.run_until_stopped(servers) == code
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert servers.stopped
    assert ("stopped unexpectedly" in capsys.readouterr().out) == (code == 1)
