"""No text in knowledge/ copies 10 or more words in a row from the reference articles."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKER = Path("/work/shared/tools/check_verbatim.py")


@pytest.mark.skipif(not CHECKER.exists(), reason="the shared verbatim checker is not available here")
def test_knowledge_copies_no_sentences_from_the_articles():
    done = subprocess.run([sys.executable, str(CHECKER), str(ROOT)], capture_output=True, text=True, timeout=300)
    flagged = [line for line in done.stdout.splitlines()
               if line.startswith(("knowledge/", "tests/knowledge/"))]
    assert flagged == [], "\n".join(flagged)
