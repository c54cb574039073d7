"""Commands of `python -m bot`, one module each; every module has HELP, configure(parser) and run(args)."""

COMMANDS = ("ask", "faq", "replay", "export", "forget", "web", "run", "cluster", "bench")


# Every command raises CommandError for an expected failure (style and exit codes: knowledge/command_line.py).
from knowledge.command_line import CommandError  # noqa: E402,F401
