"""Throughput and per-turn latency of 1, 2, 3 ... Rasa servers behind nginx, against the moodbot (issue 14).

For each number of Rasa servers asked for, the project's own cluster (bot.cluster.Cluster:
PostgreSQL, Redis, the action servers, N Rasa servers and nginx, started as `make run-cluster`
starts them) is started, warmed up, measured and stopped. The moodbot of `rasa init` runs the
whole time, on its own port, and is measured right before each measurement of the cluster
with the same load, so that every ratio compares two figures taken minutes apart on the same
machine.

The load: `conversations` conversations at once, `turns` turns each (the benchmark's
CONVERSATION, bench/latency.py), over the REST channel, through nginx's front address for the
cluster. The figures: messages per second (all turns over the wall-clock time), and the p50
and p95 of the per-turn latencies.

It is a benchmark, not a test: only the ratios within one run mean something.
"""
from __future__ import annotations

import asyncio
import json
import shutil
import statistics
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional

import aiohttp

from bench.bots import BENCH_DIR, MOODBOT_DIR, READY_TIMEOUT, Bot, Moodbot, wait_until_answering
from bench.latency import CONVERSATION, REQUEST_TIMEOUT, RESULTS_DIR, Client, measure_concurrent, percentile
from bot.cluster import DEFAULT_MODEL, Cluster, Ports

# The cluster's ports are counted from --port-base + CLUSTER_PORT_OFFSET (bot.cluster.Ports
# uses up to + 100 + the number of Rasa servers and + 150 + the number of action servers).
CLUSTER_PORT_OFFSET = 1000
MOODBOT_PORT_OFFSET = 1


def parse_counts(text: str) -> List[int]:
    """Returns the whole numbers of a comma-separated list ("1,2,3"), each at least 1, without repeats, in order."""
    counts: List[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or int(part) < 1:
            raise ValueError(f"expected whole numbers of at least 1, separated by commas, not {text!r}")
        if int(part) not in counts:
            counts.append(int(part))
    return counts


@dataclass
class ClusterLoad:
    """What the cluster benchmark measures."""

    rasa_servers: List[int] = field(default_factory=lambda: [1, 2, 3])
    conversations: List[int] = field(default_factory=lambda: [20, 50])
    turns: int = 10
    action_servers: int = 1


@dataclass
class Measurement:
    """One load sent to one bot: every turn's latency (ms), the wall-clock seconds, the failed requests."""

    bot: str
    rasa_servers: int
    conversations: int
    latencies: List[float]
    seconds: float
    errors: int = 0

    @property
    def throughput(self) -> float:
        """Messages answered per second."""
        return len(self.latencies) / self.seconds

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies)

    @property
    def p95(self) -> float:
        return percentile(self.latencies, 0.95)


@dataclass
class ClusterRow:
    """One line of the table: a cluster of N Rasa servers and the moodbot under the same load."""

    rasa_servers: int
    conversations: int
    turns: int
    this_throughput: float
    moodbot_throughput: float
    this_p50: float
    moodbot_p50: float
    this_p95: float
    moodbot_p95: float
    errors: int
    # This cluster's throughput ratio (to the moodbot) over one Rasa server's at the same load,
    # when 1 was measured: how much more the cluster serves, with the machine's changing
    # load taken out by the moodbot measured beside each.
    scale_over_one: Optional[float] = None

    @property
    def throughput_ratio(self) -> float:
        return self.this_throughput / self.moodbot_throughput

    @property
    def p95_ratio(self) -> float:
        return self.this_p95 / self.moodbot_p95


def cluster_rows(measurements: List[Measurement], turns: int) -> List[ClusterRow]:
    """Pairs each measurement of the cluster with the moodbot's measured just before it; returns the table rows."""
    table: List[ClusterRow] = []
    moodbot: Optional[Measurement] = None
    for measured in measurements:
        if measured.bot == "moodbot":
            moodbot = measured
            continue
        if moodbot is None or moodbot.conversations != measured.conversations:
            raise ValueError(f"no moodbot measurement at {measured.conversations} conversations "
                             f"before the cluster of {measured.rasa_servers}")
        table.append(ClusterRow(
            measured.rasa_servers, measured.conversations, turns,
            measured.throughput, moodbot.throughput, measured.p50, moodbot.p50, measured.p95, moodbot.p95,
            measured.errors + moodbot.errors))
    for row in table:
        one = next((r for r in table if r.rasa_servers == 1 and r.conversations == row.conversations), None)
        if one is not None:
            row.scale_over_one = row.throughput_ratio / one.throughput_ratio
    return table


def format_cluster_table(table: List[ClusterRow]) -> str:
    """Returns the table as Markdown: throughput, p50 and p95 of the cluster and the moodbot, and their ratios."""
    lines = [
        "| Rasa servers | conversations x turns | this bot msg/s | moodbot msg/s | throughput ratio "
        "| throughput ratio over 1 server's | this bot p50 | moodbot p50 | this bot p95 | moodbot p95 | p95 ratio | failed |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in table:
        scale = "-" if row.scale_over_one is None else f"{row.scale_over_one:.2f}"
        lines.append(
            f"| {row.rasa_servers} | {row.conversations} x {row.turns} | {row.this_throughput:.1f} "
            f"| {row.moodbot_throughput:.1f} | {row.throughput_ratio:.2f} | {scale} "
            f"| {row.this_p50:.0f} ms | {row.moodbot_p50:.0f} ms | {row.this_p95:.0f} ms "
            f"| {row.moodbot_p95:.0f} ms | {row.p95_ratio:.2f} | {row.errors} |")
    return "\n".join(lines)


def _progress(text: str) -> None:
    print(text, flush=True)


async def _measure(bot: Bot, rasa_servers: int, conversations: int, turns: int,
                   warm_up_conversations: int = 0) -> Measurement:
    """Sends the load to one bot (after a warm-up of whole conversations, when asked); returns what it measured."""
    connector = aiohttp.TCPConnector(limit=max(conversations, warm_up_conversations, 1) * 2)
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as session:
        client = Client(bot, session)
        if warm_up_conversations:
            await measure_concurrent(client, warm_up_conversations, len(CONVERSATION))
            client.errors = 0
        latencies, seconds = await measure_concurrent(client, conversations, turns)
        return Measurement(bot.name, rasa_servers, conversations, latencies, seconds, client.errors)


def _report(measured: Measurement) -> None:
    _progress(f"      {measured.bot}: {len(measured.latencies)} turns in {measured.seconds:.0f} s, "
              f"{measured.throughput:.1f} msg/s, p50 {measured.p50:.0f} ms, p95 {measured.p95:.0f} ms"
              + (f", {measured.errors} failed" if measured.errors else ""))


def run_cluster_benchmark(load: ClusterLoad, port_base: int, model: Optional[Path] = None,
                          results_dir: Path = RESULTS_DIR) -> Dict[str, Any]:
    """Starts the moodbot, then each cluster in turn; measures both; prints the table and writes the JSON."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    log_dir = BENCH_DIR / "logs" / stamp
    moodbot_port = port_base + MOODBOT_PORT_OFFSET
    mood = Moodbot(name="moodbot", url=f"http://localhost:{moodbot_port}", port=moodbot_port,
                   log_dir=log_dir, folder=MOODBOT_DIR)
    # PostgreSQL runs as its own user: its data folder must not be under a folder closed to it.
    data_dir = Path(tempfile.mkdtemp(prefix="lms-bench-cluster-"))
    env = {
        # The load comes from one address, faster than people type (as in bench/bots.py).
        "RATE_LIMIT_PER_ADDRESS": "0",
        "RATE_LIMIT_PER_CONVERSATION": "0",
        "SANIC_GRACEFUL_SHUTDOWN_TIMEOUT": "3",
        "PYTHONUNBUFFERED": "1",
    }
    measurements: List[Measurement] = []
    steps = len(load.rasa_servers) + 1
    try:
        _progress(f"[1/{steps}] The moodbot baseline")
        mood.start()
        wait_until_answering(mood)
        asyncio.run(_measure(mood, 0, 1, len(CONVERSATION)))  # warm-up
        for step, count in enumerate(load.rasa_servers, start=2):
            _progress(f"[{step}/{steps}] {count} Rasa server(s) and {load.action_servers} action server(s) "
                      "behind nginx, on PostgreSQL and Redis")
            cluster = Cluster(model=model or DEFAULT_MODEL, rasa_servers=count,
                              action_servers=load.action_servers, ports=Ports(port_base + CLUSTER_PORT_OFFSET),
                              data_dir=data_dir, env=env, say=lambda text: _progress("    " + text))
            try:
                cluster.start(rasa_timeout=READY_TIMEOUT)
                front = Bot(name=f"{count} Rasa server(s)", url=cluster.front_url, needs_auth=True)
                wait_until_answering(front)
                for number, conversations in enumerate(load.conversations):
                    _progress(f"    {conversations} conversations at once x {load.turns} turns")
                    measured = asyncio.run(_measure(mood, count, conversations, load.turns))
                    _report(measured)
                    measurements.append(measured)
                    # Every replica sees every message once before its first measurement.
                    warm_up = 2 * count if number == 0 else 0
                    measured = asyncio.run(_measure(front, count, conversations, load.turns, warm_up))
                    measured.bot = "this bot"
                    _report(measured)
                    measurements.append(measured)
            finally:
                cluster.stop()
    finally:
        mood.stop()
        if (data_dir / "logs").exists():
            shutil.copytree(data_dir / "logs", log_dir / "cluster", dirs_exist_ok=True)
        shutil.rmtree(data_dir, ignore_errors=True)
    table = cluster_rows(measurements, load.turns)
    print()
    print(format_cluster_table(table))
    results = {
        "started": stamp,
        "load": asdict(load),
        "logs": str(log_dir),
        "table": [{**asdict(row), "throughput_ratio": row.throughput_ratio, "p95_ratio": row.p95_ratio}
                  for row in table],
        "samples": [asdict(m) for m in measurements],
    }
    results_dir.mkdir(parents=True, exist_ok=True)
    out = results_dir / f"cluster-{stamp}.json"
    out.write_text(json.dumps(results, indent=1))
    print(f"\nEvery sample: {out}")
    results["json"] = str(out)
    return results
