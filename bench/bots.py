"""The two bots the benchmark compares, and the larger knowledge base it swaps in.

- This bot: the project's own launcher (`bot.launcher.Stack`) starts its action server and
  Rasa server, with a fresh SQLite conversation store, as `make run` does.
- The baseline: the moodbot that `rasa init --no-prompt` creates and trains, cached in
  var/bench/moodbot (trained once, reused while its model is there) and started with `rasa run`.
- A knowledge base ten times today's size: a copy of knowledge/data with synthetic entries
  added, built into its own database under var/bench/ (KNOWLEDGE_DATA_DIR and
  KNOWLEDGE_DB_URL point the action server at it).
"""
from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import requests
import yaml

from bot.launcher import ROOT, Stack, port_open

BENCH_DIR = ROOT / "var" / "bench"
MOODBOT_DIR = BENCH_DIR / "moodbot"
# The smoke run (--tiny) measures nothing worth keeping, so its moodbot is the same project
# trained for fewer epochs, in a folder of its own: minutes less in `make test`. Seeded, and 50
# epochs rather than 25: unseeded at 25, one training read "hi" as nlu_fallback (0.30), the
# moodbot answered it with nothing, and the benchmark waited for an answer until its timeout.
QUICK_MOODBOT_DIR = BENCH_DIR / "moodbot-quick"
QUICK_MOODBOT_EPOCHS = 50
# Rasa's default pipeline and policies (what `rasa init` trains), with the epochs left open.
DEFAULT_CONFIG = """recipe: default.v1
assistant_id: moodbot_quick
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: {epochs}
    random_seed: 1
  - name: EntitySynonymMapper
  - name: ResponseSelector
    epochs: {epochs}
    random_seed: 1
  - name: FallbackClassifier
    threshold: 0.3
    ambiguity_threshold: 0.1
policies:
  - name: MemoizationPolicy
  - name: TEDPolicy
    max_history: 5
    epochs: {epochs}
    random_seed: 1
  - name: RulePolicy
"""
RASA = str(Path(sys.executable).parent / "rasa")
READY_TIMEOUT = 900.0  # a loaded 2-core machine takes minutes to load a model
SYNTHETIC_AREA = "synthetic_benchmark"


def moodbot_model(folder: Path = MOODBOT_DIR, quick: bool = False) -> Optional[Path]:
    """Returns the newest trained moodbot model in the cache folder, or None.

    For the quick baseline, only a model trained with today's DEFAULT_CONFIG counts: one cached
    before the config was seeded could be the one that answers "hi" with nothing.
    """
    if quick and _config_file_text(folder) != DEFAULT_CONFIG.format(epochs=QUICK_MOODBOT_EPOCHS):
        return None
    models = sorted((folder / "models").glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    return models[-1] if models else None


def _config_file_text(folder: Path) -> Optional[str]:
    try:
        return (folder / "config.yml").read_text(encoding="utf-8")
    except OSError:
        return None


def ensure_moodbot(folder: Path = MOODBOT_DIR, quick: bool = False) -> Path:
    """Returns the moodbot's model, creating and training it the first time.

    The baseline is what `rasa init --no-prompt` creates and trains; `quick` trains the same
    project for QUICK_MOODBOT_EPOCHS epochs instead (for the smoke run, whose figures mean nothing).
    """
    model = moodbot_model(folder, quick)
    if model:
        print(f"  moodbot baseline: cached in {_shown(folder)}", flush=True)
        return model
    staging = folder.with_name(folder.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    if quick:
        from rasa.cli.scaffold import create_initial_project

        print(f"  moodbot baseline: rasa's initial project into {_shown(folder)}, trained for "
              f"{QUICK_MOODBOT_EPOCHS} epochs (a smoke run's baseline, about a minute) ...", flush=True)
        create_initial_project(str(staging))
        (staging / "config.yml").write_text(DEFAULT_CONFIG.format(epochs=QUICK_MOODBOT_EPOCHS))
        command = [RASA, "train", "--out", "models"]
    else:
        print(f"  moodbot baseline: 'rasa init --no-prompt' into {_shown(folder)} "
              "(creates and trains it once, about two minutes) ...", flush=True)
        command = [RASA, "init", "--no-prompt", "--init-dir", str(staging)]
    done = subprocess.run(command, cwd=staging if quick else ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0 or moodbot_model(staging, quick) is None:
        raise RuntimeError(f"'{' '.join(command[1:3])}' did not produce a trained moodbot; its output ends:\n"
                           + done.stdout[-2000:])
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    return moodbot_model(folder, quick)


@dataclass
class Bot:
    """A running bot under test: its name, its REST webhook and how to stop it."""

    name: str
    url: str
    # This bot's REST channel issues each conversation with its first reply (the
    # X-Conversation-Token header) and takes later messages only with that token.
    needs_auth: bool = False

    @property
    def webhook(self) -> str:
        """Returns the REST channel's URL."""
        return f"{self.url}/webhooks/rest/webhook"


@dataclass
class Moodbot(Bot):
    """The moodbot, run with `rasa run` from its cache folder."""

    folder: Path = MOODBOT_DIR
    quick: bool = False
    port: int = 25006
    log_dir: Optional[Path] = None
    process: Optional[subprocess.Popen] = None

    def start(self) -> None:
        """Starts `rasa run` on the port; returns at once (wait_until_answering waits for it)."""
        if port_open(self.port):
            raise RuntimeError(f"Port {self.port} for the moodbot is already in use; pass another --port-base.")
        model = ensure_moodbot(self.folder, quick=self.quick)
        print(f"  starting the moodbot on :{self.port} ...", flush=True)
        out = subprocess.DEVNULL
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = open(self.log_dir / "moodbot.log", "ab")
        # Through bot/die_with_parent.py (run as a script: the moodbot's folder is not this
        # project), as the launcher starts this bot's servers: the moodbot ends with the
        # benchmark, even when the benchmark is killed.
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bot" / "die_with_parent.py"), str(os.getpid()),
             RASA, "run", "--model", str(model), "--port", str(self.port),
             "--credentials", "credentials.yml", "--endpoints", "endpoints.yml"],
            cwd=self.folder, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def exited(self) -> bool:
        """Returns True when the moodbot's process has stopped."""
        return self.process is None or self.process.poll() is not None

    def stop(self) -> None:
        """Stops the moodbot's process group."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None


@dataclass
class ThisBot(Bot):
    """This bot's action server and Rasa server, started by the project's launcher."""

    model: Path = ROOT / "models" / "lms-assistant.tar.gz"
    rasa_port: int = 25005
    action_port: int = 25055
    web_port: int = 28080
    work_dir: Path = BENCH_DIR / "run"
    log_dir: Optional[Path] = None
    env: Dict[str, str] = field(default_factory=dict)
    # When set, both servers run under cProfile and write <service>.prof here when stopped.
    profile_dir: Optional[Path] = None
    stack: Optional[Stack] = None

    SERVICES = ["action server", "Rasa server"]

    def start(self) -> None:
        """Starts the action server and the Rasa server with a fresh conversation store."""
        if not self.model.exists():
            raise RuntimeError(f"No trained model at {_shown(self.model)}. Run 'make train' first.")
        shutil.rmtree(self.work_dir, ignore_errors=True)
        self.work_dir.mkdir(parents=True)
        self.env.setdefault("TRACKER_STORE_URL", f"sqlite:///{self.work_dir / 'tracker.db'}")
        self.env.setdefault("PYTHONUNBUFFERED", "1")
        # The load comes from one address and the long conversation sends 180 turns in a few
        # minutes: the channel's rate limits (bot/rate_limits.py) would answer it "too fast".
        self.env.setdefault("RATE_LIMIT_PER_ADDRESS", "0")
        self.env.setdefault("RATE_LIMIT_PER_CONVERSATION", "0")
        self.stack = Stack(model=self.model, rasa_port=self.rasa_port, action_port=self.action_port,
                           web_port=self.web_port, env=self.env, log_dir=self.log_dir)
        if self.profile_dir:
            self.profile_dir.mkdir(parents=True, exist_ok=True)
            for service in self.stack.services:
                # Sanic stops on SIGTERM and `rasa run` returns, so cProfile writes its file.
                service.command = [sys.executable, "-m", "cProfile", "-o",
                                   str(self.profile_dir / f"{service.name.replace(' ', '_')}.prof"),
                                   *service.command]
        self.stack.start(timeout=READY_TIMEOUT, only=self.SERVICES)

    def restart_actions(self, env: Dict[str, Optional[str]]) -> None:
        """Restarts the action server with these environment variables changed (another knowledge base).

        A variable set to None is removed: the action server then uses its default.
        """
        assert self.stack is not None
        self.stack.stop(only=["action server"])
        for key, value in env.items():
            if value is None:
                self.stack.env.pop(key, None)
            else:
                self.stack.env[key] = value
        self.stack.start(timeout=READY_TIMEOUT, only=["action server"])

    def stop(self) -> None:
        """Stops both servers."""
        if self.stack:
            self.stack.stop(only=self.SERVICES)


def wait_until_answering(bot: Bot, timeout: float = READY_TIMEOUT) -> None:
    """Waits until the bot answers "hi" over REST (the model is loaded, the actions are reachable)."""
    deadline = time.monotonic() + timeout
    sender = f"bench-ready-{time.monotonic_ns()}"
    while time.monotonic() < deadline:
        if getattr(bot, "exited", lambda: False)():
            raise RuntimeError(f"{bot.name} stopped during start-up; see its log in var/bench/logs/.")
        try:
            reply = requests.post(bot.webhook, json={"sender": sender, "message": "hi"}, timeout=60)
            if reply.ok and reply.json():
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise RuntimeError(f"{bot.name} did not answer 'hi' at {bot.webhook} within {timeout:.0f} s.")


def entry_count(data_dir: Path) -> int:
    """Returns how many question-and-answer entries the data folder's entry files hold."""
    return sum(len(yaml.safe_load(path.read_text(encoding="utf-8"))["entries"])
               for path in sorted((data_dir / "entries").glob("*.yml")))


def _pseudo_word(rng: random.Random) -> str:
    syllables = ["ba", "ke", "lo", "mi", "nu", "ra", "si", "to", "vu", "ze", "dra", "quo", "plen", "strim", "ox"]
    return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))


def synthetic_entries(count: int, source_id: str, seed: int = 15) -> List[dict]:
    """Returns `count` made-up entries in the entry-file schema: pseudo-word questions, examples and answers.

    Their words are new to the knowledge base (so the vocabulary grows with it, as real
    entries would make it grow), mixed with the question words patients use.
    """
    rng = random.Random(seed)
    vocabulary = sorted({_pseudo_word(rng) for _ in range(count * 6)})
    openers = ["what is", "how does", "can you explain", "why do", "is there", "tell me about", "when should"]

    def phrase(words: int) -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(words))

    entries = []
    for number in range(count):
        topic = phrase(2)
        entries.append({
            "id": f"synthetic_{number:05d}",
            "question": f"{rng.choice(openers)} {topic}?",
            "answer": f"Synthetic benchmark entry about {topic}: {phrase(rng.randint(15, 45))}.",
            "sources": [source_id],
            "reviewed": "2026-01-01",
            "examples": [f"{rng.choice(openers)} {topic} {phrase(rng.randint(0, 4))}".strip()
                         for _ in range(8)],
        })
    return entries


def scaled_knowledge(scale: int, data_dir: Path, out_dir: Path) -> Dict[str, str]:
    """Builds a knowledge base `scale` times today's size; returns the action server's environment for it.

    Reused when a copy of the same data (same files, same contents) with the same number of
    synthetic entries is already built; any change to today's data builds it again.
    """
    from knowledge.db import engine_for
    from knowledge.loader import build, ensure_built

    today = entry_count(data_dir)
    synthetic = today * (scale - 1)
    copy = out_dir / "data"
    url = f"sqlite:///{out_dir / 'knowledge.db'}"
    marker = out_dir / "built-from.txt"
    digest = hashlib.sha256()
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(data_dir)).encode() + b"\0" + path.read_bytes())
    wanted = f"{synthetic} synthetic entries added to {data_dir} ({digest.hexdigest()})\n"
    env = {"KNOWLEDGE_DATA_DIR": str(copy), "KNOWLEDGE_DB_URL": url}
    if marker.exists() and marker.read_text() == wanted and not ensure_built(url, copy):
        print(f"  knowledge base x{scale}: cached in {_shown(out_dir)}", flush=True)
        return env
    print(f"  knowledge base x{scale}: {today} entries + {synthetic} synthetic ones, "
          f"building {_shown(out_dir)} ...", flush=True)
    shutil.rmtree(out_dir, ignore_errors=True)
    shutil.copytree(data_dir, copy)
    sources = yaml.safe_load((data_dir / "sources.yml").read_text(encoding="utf-8"))["sources"]
    area = {"area": SYNTHETIC_AREA, "title": "Synthetic entries for the benchmark",
            "entries": synthetic_entries(synthetic, sources[0]["id"])}
    (copy / "entries" / f"{SYNTHETIC_AREA}.yml").write_text(yaml.safe_dump(area, sort_keys=False), encoding="utf-8")
    build(url, copy)
    engine_for(url).dispose()
    marker.write_text(wanted)
    return env


def scaled_knowledge_with_index(scale: int, data_dir: Path, out_dir: Path) -> Dict[str, str]:
    """Returns scaled_knowledge's environment, once that knowledge base's question index is built and cached."""
    env = scaled_knowledge(scale, data_dir, out_dir)
    warm_question_index(env)
    return env


def warm_question_index(env: Dict[str, str]) -> None:
    """Builds the question index of another knowledge base in a process of its own, which caches it.

    The action server restarted on that knowledge base then loads it from var/question-index/
    instead of training it while the benchmark waits (knowledge/retrieval.py, load_or_build).
    """
    subprocess.run([sys.executable, "-c", "from knowledge import query; query.question_index()"],
                   cwd=ROOT, env={**os.environ, **env}, check=True, stdout=subprocess.DEVNULL)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)
