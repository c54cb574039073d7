"""Nothing in the project copies 10 or more words in a row from the reference articles.

The checker lives beside the repository (../shared/tools/check_verbatim.py), not in it; where
that folder is absent the test is skipped and says why. Where it is present, the checker's exit
code decides: 1 (a copied run) or a crash fails the test with the checker's own report.
"""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKER = ROOT.parent / "shared" / "tools" / "check_verbatim.py"


@pytest.mark.skipif(not CHECKER.exists(), reason=f"the shared verbatim checker is not at {CHECKER}")
def test_the_project_copies_no_sentences_from_the_articles():
    done = subprocess.run([sys.executable, str(CHECKER), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"check_verbatim.py exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    assert "0 runs of" in done.stdout, done.stdout
