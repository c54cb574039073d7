"""`python -m bot` and `python -m knowledge` share one command-line style (knowledge/command_line.py)."""
import pytest

from bot.__main__ import main as bot_main
from knowledge.cli import main as knowledge_main

TOOLS = {"python -m bot": bot_main, "python -m knowledge": knowledge_main}


@pytest.mark.parametrize("prog", TOOLS)
def test_help_lists_each_command_with_its_help_line(prog, capsys):
    with pytest.raises(SystemExit) as exit_:
        TOOLS[prog](["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: {prog} [-h] command ...")
    assert f"Run '{prog} <command> --help' for the options of one command." in " ".join(out.split())


@pytest.mark.parametrize("prog", TOOLS)
def test_a_missing_or_unknown_command_is_invalid_input(prog, capsys):
    for argv in ([], ["no-such-command"]):
        with pytest.raises(SystemExit) as exit_:
            TOOLS[prog](argv)
        assert exit_.value.code == 2
        assert f"{prog}: error:" in capsys.readouterr().err


@pytest.mark.parametrize("prog, argv, code, message", [
    ("python -m bot", ["ask", "   "], 2, "ask: The question is empty."),
    ("python -m knowledge", ["stage", "--size-cm", "0"], 2, "stage: "),
])
def test_a_refused_value_is_reported_as_command_colon_message(prog, argv, code, message, capsys):
    assert TOOLS[prog](argv) == code
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


@pytest.mark.parametrize("prog, argv", [
    ("python -m bot", ["forget", "abc", "--everything"]),
    ("python -m knowledge", ["entries", "--everything"]),
])
def test_unknown_options_are_refused(prog, argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        TOOLS[prog](argv)
    assert exit_.value.code == 2
    assert "unrecognized arguments: --everything" in capsys.readouterr().err
