"""`python -m bot bench --tiny` runs end to end: both bots start, every row of the table is filled.

Only that it runs is checked here, never how fast: timings belong to the benchmark itself
(docs/performance.md). The tiny run's moodbot baseline is trained for a few epochs, once,
into var/bench/moodbot-quick.
"""
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bench.latency import KNOWLEDGE_MESSAGES, SINGLE_MESSAGES

pytestmark = pytest.mark.servers

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "lms-assistant.tar.gz"
# Away from the bot_stack's test ports (15005+, 15055+, 18080+) and from `make run`'s.
PORT_BASE = 25005 + 10 + int(os.environ.get("TEST_PORT_OFFSET", "0"))


def test_the_benchmark_runs_on_a_tiny_load_and_fills_every_row():
    if not MODEL.exists():
        if os.environ.get("CI"):
            pytest.fail(f"No trained model at {MODEL}.")
        pytest.skip("No trained model; run 'make train' first.")
    done = subprocess.run([sys.executable, "-m", "bot", "bench", "--tiny", "--port-base", str(PORT_BASE)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    for step in ("1/4", "2/4", "3/4", "4/4"):
        assert step in out
    table = [line for line in out.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(table) == len(SINGLE_MESSAGES) + 5 + len(KNOWLEDGE_MESSAGES)
    for line in table:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert re.match(r"^\d", cells[1]), line  # this bot's figure
        assert re.match(r"^\d", cells[3]), line  # the ratio
    written = Path(re.search(r"Every sample: (\S+\.json)", out).group(1))
    results = json.loads(written.read_text())
    assert len(results["table"]) == len(table)
    assert results["errors"] == {"this bot": 0, "moodbot": 0}
    assert set(results["samples"]) == {"this bot", "moodbot"}
    # Regression: without the token the channel issues, every message of this bot's long
    # conversation started a new conversation of one turn. It is one conversation of 4 turns.
    with sqlite3.connect(ROOT / "var" / "bench" / "run" / "tracker.db") as store:
        longest = store.execute("SELECT max(n) FROM (SELECT count(*) AS n FROM events "
                                "WHERE type_name = 'user' GROUP BY sender_id)").fetchone()[0]
    assert longest >= 4
    written.unlink()
