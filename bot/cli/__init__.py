"""Commands of `python -m bot`, one module each; every module has HELP, configure(parser) and run(args)."""

COMMANDS = ("ask", "faq", "replay", "export", "forget", "web", "run", "cluster", "bench")


class CommandError(Exception):
    """An expected failure: the message says what to do, and the command exits with `code`."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code
