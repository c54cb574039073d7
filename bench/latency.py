"""Per-turn latency of this bot against a bare Rasa bot (the moodbot), measured side by side (issue 15).

Both bots run at once on the benchmark's own ports; the same load goes to each in turn,
`rounds` times (this bot, moodbot, this bot, moodbot), over the REST channel:

1. single messages: each one `samples` times, each time as a new conversation; the median;
2. `conversations` conversations at once, `turns` turns each: p95 latency and messages per second;
3. one long conversation of `long_turns` turns: the median of the first `window` turns against
   the median of the last `window` turns;
4. afterwards, this bot's action server restarted alternately on today's knowledge base and on
   one `kb_scale` times its size, `rounds` times: the knowledge answers' medians on each.

The table gives each figure for both bots and the ratio of this bot's to the moodbot's; the
JSON in results/bench/ holds every sample. It is a benchmark, not a test: timings depend on
the machine, only the ratios in one run mean something.
"""
from __future__ import annotations

import asyncio
import json
import math
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import aiohttp

from bench.bots import (BENCH_DIR, MOODBOT_DIR, QUICK_MOODBOT_DIR, Bot, Moodbot, ThisBot, ensure_moodbot,
                        scaled_knowledge_with_index, wait_until_answering)
from bot.launcher import ROOT

RESULTS_DIR = ROOT / "results" / "bench"
REQUEST_TIMEOUT = 600
# A knowledge answer slower than this after a restart means the index is still being built.
WARM_MS = 20_000
WARM_UP_SECONDS = 40 * 60

# The single messages of the issue, by the label the table shows.
SINGLE_MESSAGES = {
    "hi": "hi",
    "what is leiomyosarcoma?": "what is leiomyosarcoma?",
    "staging question, all facts": "what stage is a 6 cm grade 3 leiomyosarcoma deep in my thigh "
                                   "with no spread to lymph nodes and no metastasis?",
    "will it come back?": "will it come back?",
}
# The singles answered from the knowledge base, measured again on the larger one.
KNOWLEDGE_MESSAGES = ("what is leiomyosarcoma?", "will it come back?")
# One conversation of the concurrent load (repeated when more turns are asked for).
CONVERSATION = [
    "hi",
    "what is leiomyosarcoma?",
    "how is it treated?",
    "what stage is a 6 cm grade 3 leiomyosarcoma deep in my thigh with no spread to lymph nodes "
    "and no metastasis?",
    "will it come back?",
    "what are the side effects of chemotherapy?",
    "is it hereditary?",
    "where can I find support?",
    "thanks",
    "bye",
]
# The long conversation cycles through these.
LONG_CONVERSATION = CONVERSATION[1:8] + ["ok", "hi"]


@dataclass
class Load:
    """How much load one round sends to each bot."""

    samples: int = 8
    conversations: int = 20
    turns: int = 10
    long_turns: int = 180
    window: int = 30
    rounds: int = 2
    kb_scale: int = 10

    @classmethod
    def tiny(cls) -> "Load":
        """Returns the smallest load that still fills every row (what `make test` runs)."""
        return cls(samples=1, conversations=2, turns=2, long_turns=4, window=2, rounds=1, kb_scale=2)


@dataclass
class Round:
    """What one round measured on one bot (latencies in milliseconds)."""

    singles: Dict[str, List[float]] = field(default_factory=dict)
    concurrent: List[float] = field(default_factory=list)
    concurrent_seconds: float = 0.0
    long: List[float] = field(default_factory=list)
    errors: int = 0


class Client:
    """Posts messages to one bot's REST channel and times them."""

    def __init__(self, bot: Bot, session: aiohttp.ClientSession) -> None:
        self.bot = bot
        self.session = session
        self.errors = 0
        # the benchmark's name for a conversation -> (the id, the token) this bot issued for it
        # with its first reply
        self.issued: Dict[str, Tuple[str, str]] = {}

    async def send(self, sender: str, text: str) -> float:
        """Sends one message; returns the milliseconds until the whole reply has arrived."""
        started = time.perf_counter()
        body, headers = {"sender": sender, "message": text}, {}
        if sender in self.issued:
            conversation_id, token = self.issued[sender]
            body["sender"], headers["Authorization"] = conversation_id, f"Bearer {token}"
        async with self.session.post(self.bot.webhook, json=body, headers=headers) as reply:
            await reply.read()
            if reply.status != 200:
                self.errors += 1
            issued = reply.headers.get("X-Conversation-Id"), reply.headers.get("X-Conversation-Token")
            if self.bot.needs_auth and all(issued):
                self.issued[sender] = issued
        return (time.perf_counter() - started) * 1000


def _sender(kind: str) -> str:
    return f"bench-{kind}-{uuid.uuid4().hex[:12]}"


async def measure_singles(client: Client, samples: int, labels=tuple(SINGLE_MESSAGES)) -> Dict[str, List[float]]:
    """Returns the latencies of each single message, each sent `samples` times as a new conversation."""
    found: Dict[str, List[float]] = {label: [] for label in labels}
    for _ in range(samples):
        for label in labels:
            found[label].append(await client.send(_sender("single"), SINGLE_MESSAGES[label]))
    return found


async def measure_concurrent(client: Client, conversations: int, turns: int) -> tuple:
    """Returns (latencies, wall-clock seconds) for conversations held at once, `turns` turns each."""
    latencies: List[float] = []

    async def converse() -> None:
        sender = _sender("load")
        for turn in range(turns):
            latencies.append(await client.send(sender, CONVERSATION[turn % len(CONVERSATION)]))

    started = time.perf_counter()
    await asyncio.gather(*(converse() for _ in range(conversations)))
    return latencies, time.perf_counter() - started


async def measure_long(client: Client, turns: int) -> List[float]:
    """Returns the latency of every turn of one conversation of `turns` turns."""
    sender = _sender("long")
    return [await client.send(sender, LONG_CONVERSATION[turn % len(LONG_CONVERSATION)]) for turn in range(turns)]


async def measure_round(bot: Bot, load: Load) -> Round:
    """Runs one round of the whole load against one bot."""
    connector = aiohttp.TCPConnector(limit=max(load.conversations, 1) * 2)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        client = Client(bot, session)
        # Warm-up: every message once, so first-call costs stay out of the figures.
        await measure_singles(client, 1)
        result = Round()
        _progress(f"    {bot.name}: single messages x{load.samples}")
        result.singles = await measure_singles(client, load.samples)
        _progress(f"    {bot.name}: {load.conversations} conversations at once x {load.turns} turns")
        result.concurrent, result.concurrent_seconds = await measure_concurrent(
            client, load.conversations, load.turns)
        _progress(f"    {bot.name}: one conversation of {load.long_turns} turns")
        result.long = await measure_long(client, load.long_turns)
        result.errors = client.errors
    return result


async def measure_knowledge(bot: Bot, samples: int) -> Dict[str, List[float]]:
    """Returns the knowledge answers' latencies, once the action server has built its question index.

    A fresh action server trains the question index on the first question (seconds today,
    minutes for a knowledge base ten times the size); until a question comes back within
    WARM_MS the benchmark keeps asking, so the build stays out of the per-turn figures.
    """
    deadline = time.monotonic() + WARM_UP_SECONDS
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as session:
        client = Client(bot, session)
        while (await client.send(_sender("warm-up"), SINGLE_MESSAGES[KNOWLEDGE_MESSAGES[0]])) > WARM_MS:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{bot.name} did not answer a knowledge question within "
                                   f"{WARM_MS / 1000:.0f} s after {WARM_UP_SECONDS / 60:.0f} minutes of warming up.")
            _progress("    the action server is still building its question index ...")
        client.errors = 0
        await measure_singles(client, 1, KNOWLEDGE_MESSAGES)
        return await measure_singles(client, samples, KNOWLEDGE_MESSAGES)


def percentile(values: List[float], share: float) -> float:
    """Returns the value below which `share` of the values lie (nearest rank)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(share * len(ordered))))
    return ordered[rank - 1]


def summarise(rounds: List[Round], load: Load) -> Dict[str, float]:
    """Returns one bot's figures, pooling the samples of every round."""
    figures: Dict[str, float] = {}
    for label in SINGLE_MESSAGES:
        figures[f"single: {label}"] = statistics.median(s for r in rounds for s in r.singles[label])
    figures["concurrent: p95 ms"] = percentile([s for r in rounds for s in r.concurrent], 0.95)
    total = sum(len(r.concurrent) for r in rounds)
    figures["concurrent: messages/s"] = total / sum(r.concurrent_seconds for r in rounds)
    early = [s for r in rounds for s in r.long[:load.window]]
    late = [s for r in rounds for s in r.long[-load.window:]]
    figures["long: early median"] = statistics.median(early)
    figures["long: late median"] = statistics.median(late)
    figures["long: growth (late / early)"] = figures["long: late median"] / figures["long: early median"]
    return figures


@dataclass
class Row:
    """One line of the table."""

    measure: str
    this_bot: Optional[float]
    moodbot: Optional[float]
    ratio: Optional[float]
    goal: str
    unit: str = "ms"


def rows(this: Dict[str, float], mood: Dict[str, float], kb: Dict[str, Dict[str, float]], load: Load) -> List[Row]:
    """Returns the table: each figure for both bots and this bot's over the moodbot's."""
    def both(key: str, measure: str, goal: str, unit: str = "ms") -> Row:
        return Row(measure, this[key], mood[key], this[key] / mood[key], goal, unit)

    late_first = load.long_turns - load.window + 1
    table = [both(f"single: {label}", f'"{label}", median of {load.samples * load.rounds}',
                  "<= 1.5" if label in KNOWLEDGE_MESSAGES else "")
             for label in SINGLE_MESSAGES]
    table += [
        both("concurrent: p95 ms", f"{load.conversations} conversations x {load.turns} turns, p95", "<= 1.3"),
        both("concurrent: messages/s", f"{load.conversations} conversations x {load.turns} turns, throughput",
             ">= 0.8", "msg/s"),
        both("long: early median", f"one conversation, turns 1-{load.window}, median", ""),
        both("long: late median", f"one conversation, turns {late_first}-{load.long_turns}, median", ""),
        both("long: growth (late / early)", f"growth from turns 1-{load.window} to {late_first}-{load.long_turns}",
             "<= 1.0", "x"),
    ]
    for label in KNOWLEDGE_MESSAGES:
        today, scaled = kb["today"][label], kb["scaled"][label]
        table.append(Row(f'"{label}", knowledge base x{load.kb_scale} over today', scaled, None,
                         scaled / today, "<= 1.1 (today: %.0f ms)" % today))
    return table


def format_table(table: List[Row]) -> str:
    """Returns the table as Markdown (it also reads well in a terminal)."""
    def number(value: Optional[float], unit: str) -> str:
        if value is None:
            return "-"
        return f"{value:.2f} x" if unit == "x" else f"{value:.1f} {unit}" if unit == "msg/s" else f"{value:.0f} ms"

    lines = ["| measure | this bot | moodbot | ratio | goal |", "| --- | ---: | ---: | ---: | --- |"]
    for row in table:
        ratio = "-" if row.ratio is None else f"{row.ratio:.2f}"
        lines.append(f"| {row.measure} | {number(row.this_bot, row.unit)} | {number(row.moodbot, row.unit)} "
                     f"| {ratio} | {row.goal} |")
    return "\n".join(lines)


def _progress(text: str) -> None:
    print(text, flush=True)


def profile_report(profile: Path, top: int = 30) -> str:
    """Returns a cProfile file's top functions by cumulative and by own time, as text."""
    import io
    import pstats

    out = io.StringIO()
    stats = pstats.Stats(str(profile), stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def run_benchmark(load: Load, port_base: int = 25005, model: Optional[Path] = None,
                  results_dir: Path = RESULTS_DIR, profile: bool = False) -> Dict[str, Any]:
    """Starts both bots, runs the load, prints the table and writes the JSON; returns the results."""
    from knowledge.datafiles import DATA_DIR

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    log_dir = BENCH_DIR / "logs" / stamp
    this = ThisBot(name="this bot", url=f"http://localhost:{port_base}", needs_auth=True,
                   rasa_port=port_base, action_port=port_base + 50, web_port=port_base + 3075,
                   log_dir=log_dir, profile_dir=BENCH_DIR / "profiles" / stamp if profile else None,
                   **({"model": model} if model else {}))
    quick = load == Load.tiny()
    mood = Moodbot(name="moodbot", url=f"http://localhost:{port_base + 1}", port=port_base + 1, log_dir=log_dir,
                   folder=QUICK_MOODBOT_DIR if quick else MOODBOT_DIR, quick=quick)
    results: Dict[str, Any] = {"started": stamp, "load": asdict(load), "logs": str(log_dir)}
    try:
        _progress("1/4 Starting both bots, and meanwhile preparing the larger knowledge base")
        # Training the moodbot (on its first run) and building the larger knowledge base need no
        # running bot: they go on beside this bot's start-up, which is mostly loading its model.
        # The servers themselves are started from this thread: bot/die_with_parent.py stops a
        # server when the thread that started it ends.
        with ThreadPoolExecutor(max_workers=2) as beside:
            baseline = beside.submit(ensure_moodbot, mood.folder, mood.quick)
            larger = beside.submit(scaled_knowledge_with_index, load.kb_scale, DATA_DIR,
                                   BENCH_DIR / f"knowledge-x{load.kb_scale}")
            this.start()
            baseline.result()
            mood.start()
            scaled_env = larger.result()
        _progress("2/4 Waiting until both bots answer")
        for bot in (this, mood):
            wait_until_answering(bot)
        _progress(f"3/4 The same load against each bot, alternately, {load.rounds} time(s)")
        measured: Dict[str, List[Round]] = {this.name: [], mood.name: []}
        for number in range(load.rounds):
            _progress(f"  round {number + 1} of {load.rounds}")
            for bot in (this, mood):
                measured[bot.name].append(asyncio.run(measure_round(bot, load)))
        _progress(f"4/4 Knowledge answers with today's knowledge base and one {load.kb_scale} times its size")
        # Both sizes are measured the same way, alternately: right after the action server is
        # restarted on that knowledge base (its index loaded from the cache), after one warm-up.
        # The first full run compared the larger one, just restarted, with today's figures from
        # step 3, where the servers had been answering for minutes.
        today_env = {key: this.stack.env.get(key) for key in scaled_env}
        today: Dict[str, List[float]] = {label: [] for label in KNOWLEDGE_MESSAGES}
        scaled: Dict[str, List[float]] = {label: [] for label in KNOWLEDGE_MESSAGES}
        for number in range(load.rounds):
            for env, into in ((today_env, today), (scaled_env, scaled)):
                _progress(f"  round {number + 1} of {load.rounds}: "
                          f"{'today' if into is today else f'x{load.kb_scale}'}'s knowledge base")
                this.restart_actions(env)
                wait_until_answering(this)
                for label, values in asyncio.run(measure_knowledge(this, load.samples)).items():
                    into[label] += values
    finally:
        this.stop()
        mood.stop()
    figures = {name: summarise(rounds, load) for name, rounds in measured.items()}
    kb = {"today": {label: statistics.median(v) for label, v in today.items()},
          "scaled": {label: statistics.median(v) for label, v in scaled.items()}}
    table = rows(figures[this.name], figures[mood.name], kb, load)
    errors = {name: sum(r.errors for r in rounds) for name, rounds in measured.items()}
    results.update({
        "table": [asdict(row) for row in table],
        "figures": figures,
        "knowledge_base": {**kb, "samples": {"today": today, "scaled": scaled}},
        "samples": {name: [asdict(r) for r in rounds] for name, rounds in measured.items()},
        "errors": errors,
    })
    print()
    print(format_table(table))
    if any(errors.values()):
        print(f"\nRequests that did not get HTTP 200: {errors}. See the logs in {log_dir}.")
    results_dir.mkdir(parents=True, exist_ok=True)
    out = results_dir / f"latency-{stamp}.json"
    out.write_text(json.dumps(results, indent=1))
    print(f"\nEvery sample: {out}")
    if this.profile_dir:
        for prof in sorted(this.profile_dir.glob("*.prof")):
            report = results_dir / f"profile-{stamp}-{prof.stem}.txt"
            report.write_text(profile_report(prof))
            print(f"Profile of the {prof.stem.replace('_', ' ')} (timings above include the profiler's cost): {report}")
    results["json"] = str(out)
    return results
