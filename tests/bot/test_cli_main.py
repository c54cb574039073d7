"""`python -m bot`: one sub-command per tool, clear errors."""
import subprocess
import sys

import pytest

from bot import ROOT
from bot.__main__ import main
from bot.cli import COMMANDS


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert command in out


def test_unknown_options_are_refused(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["forget", "abc", "--everything"])
    assert exit_.value.code == 2
    assert "unrecognized arguments: --everything" in capsys.readouterr().err


def test_run_hands_its_options_to_the_launcher(monkeypatch):
    import bot.launcher

    seen = []
    monkeypatch.setattr(bot.launcher, "main", lambda argv=None: seen.append(argv) or 0)
    assert main(["run", "--web-port", "8081"]) == 0
    assert seen == [["--web-port", "8081"]]


def test_runs_as_a_module():
    done = subprocess.run([sys.executable, "-m", "bot", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "python -m bot" in done.stdout
