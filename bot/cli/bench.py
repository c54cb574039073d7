"""Measure this bot's per-turn latency against the moodbot of `rasa init`, side by side (issue 15).

Starts this bot (action server and Rasa server, through the project's launcher) and the
moodbot (created, trained and cached in var/bench/moodbot the first time), sends both the
same load over REST, alternately, and prints a table with this bot's figures over the
moodbot's. Every sample goes to results/bench/latency-<time>.json. Takes ten minutes or more
with the default load; --tiny only checks that it all runs.

Ports: this bot's Rasa server on --port-base, the moodbot on --port-base + 1, this bot's
action server on --port-base + 50.

--cluster 1,2,3 measures the cluster instead (issue 14): for each number of Rasa servers,
the project's cluster (bot/cluster.py: PostgreSQL, Redis, action servers, Rasa servers,
nginx) is started, sent --cluster-conversations conversations at once of --turns turns each
through nginx, and stopped; the moodbot gets the same load right before each measurement.
It prints throughput and p50/p95 per-turn latency with the ratios to the moodbot; every
sample goes to results/bench/cluster-<time>.json. The cluster's ports are counted from
--port-base + 1000. Needs Debian's postgresql, redis-server and nginx (make cluster-servers).

Example:
  python -m bot bench
  python -m bot bench --rounds 1 --samples 4
  python -m bot bench --tiny
  python -m bot bench --cluster 1,2,3 --cluster-conversations 20,50 --turns 10
"""
from __future__ import annotations

import argparse
import signal
from dataclasses import fields
from pathlib import Path
from typing import List

from bot.cli import CommandError

HELP = "measure per-turn latency against a bare Rasa bot (the moodbot)"
DEFAULT_PORT_BASE = 25005


def configure(parser: argparse.ArgumentParser) -> None:
    """Adds the size of the load, --tiny, --port-base and --model."""
    from bench.latency import Load

    defaults = Load()
    helps = {
        "samples": "times each single message is sent, per round",
        "conversations": "conversations held at once",
        "turns": "turns of each of those conversations",
        "long_turns": "turns of the one long conversation",
        "window": "turns compared at the start and the end of the long conversation",
        "rounds": "times the whole load goes to each bot, alternately",
        "kb_scale": "size of the larger knowledge base, in multiples of today's",
    }
    for item in fields(Load):
        parser.add_argument(f"--{item.name.replace('_', '-')}", type=int, default=getattr(defaults, item.name),
                            help=f"{helps[item.name]} (default {getattr(defaults, item.name)})")
    parser.add_argument("--tiny", action="store_true", help="the smallest load that fills every row (a smoke run)")
    parser.add_argument("--port-base", type=int, default=DEFAULT_PORT_BASE,
                        help=f"first of the benchmark's ports (default {DEFAULT_PORT_BASE})")
    parser.add_argument("--profile", action="store_true",
                        help="run this bot's two servers under cProfile and write their top functions "
                             "to results/bench/ (slows this bot down: use the ratios of a run without it)")
    parser.add_argument("--model", type=Path, default=None, help="this bot's model (default models/lms-assistant.tar.gz)")
    parser.add_argument("--cluster", type=_counts, default=None, metavar="N,N,...",
                        help="measure the cluster with these numbers of Rasa servers instead (for example 1,2,3)")
    parser.add_argument("--cluster-conversations", type=_counts, default=[20, 50], metavar="N,N,...",
                        help="with --cluster: conversations held at once, one measurement each (default 20,50)")
    parser.add_argument("--cluster-action-servers", type=int, default=1,
                        help="with --cluster: action servers behind nginx (default 1)")


def _counts(text: str) -> List[int]:
    from bench.cluster import parse_counts

    try:
        return parse_counts(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def cluster_load(args: argparse.Namespace):
    """Returns the cluster benchmark's load (bench.cluster.ClusterLoad) from the command line."""
    from bench.cluster import ClusterLoad

    if args.tiny or args.profile:
        raise CommandError("--cluster takes neither --tiny nor --profile; make it smaller with "
                           "--cluster-conversations and --turns.", 2)
    if args.turns < 1 or args.cluster_action_servers < 1:
        raise CommandError("--turns and --cluster-action-servers must be at least 1.", 2)
    return ClusterLoad(rasa_servers=args.cluster, conversations=args.cluster_conversations,
                       turns=args.turns, action_servers=args.cluster_action_servers)


def run(args: argparse.Namespace) -> int:
    """Runs the benchmark; returns 0 when it finished (whatever the timings), else an error."""
    from bench.latency import Load, run_benchmark
    from bot.launcher import stop_like_ctrl_c

    if args.cluster:
        return _run_cluster(args)
    load = Load.tiny() if args.tiny else Load(**{item.name: getattr(args, item.name) for item in fields(Load)})
    if min(load.samples, load.conversations, load.turns, load.rounds, load.window) < 1 or load.kb_scale < 2:
        raise CommandError("Every load figure must be at least 1, and --kb-scale at least 2.", 2)
    if load.long_turns < 2 * load.window:
        raise CommandError("--long-turns must be at least twice --window, so the two windows do not overlap.", 2)
    # A SIGTERM (timeout, a CI runner) stops both bots as Ctrl-C does, through run_benchmark's cleanup.
    signal.signal(signal.SIGTERM, stop_like_ctrl_c)
    try:
        run_benchmark(load, port_base=args.port_base, model=args.model, profile=args.profile)
    except KeyboardInterrupt:
        raise CommandError("The benchmark was stopped; both bots are stopped too.", 130) from None
    except RuntimeError as error:
        raise CommandError(f"The benchmark could not run: {error}") from None
    return 0


def _run_cluster(args: argparse.Namespace) -> int:
    from bench.cluster import run_cluster_benchmark
    from bot.launcher import stop_like_ctrl_c

    load = cluster_load(args)
    signal.signal(signal.SIGTERM, stop_like_ctrl_c)
    try:
        run_cluster_benchmark(load, port_base=args.port_base, model=args.model)
    except KeyboardInterrupt:
        raise CommandError("The benchmark was stopped; the moodbot and the cluster are stopped too.", 130) from None
    except (RuntimeError, ValueError) as error:
        raise CommandError(f"The cluster benchmark could not run: {error}") from None
    return 0
