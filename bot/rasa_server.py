"""Runs Rasa's own `rasa run` in this process, with the HTTP API token kept off the command line.

`rasa run --auth-token X` would show X to every local user in `ps`. The launcher runs
`python -m bot.rasa_server run --enable-api ...` instead: the arguments are Rasa's, parsed
by Rasa's parser, and the token comes from `RASA_API_TOKEN` or `var/api_token` (0600).
Rasa compares the token a request brings with `provided == token`; the token handed to it
here is a `ConstantTimeToken`, whose comparison takes the same time wherever the first
difference is, so response times tell an attacker nothing about the token.

It also makes Rasa check the action server's replies with a JSON-schema validator built once
(bot/action_response_schema.py) rather than once per action call.
"""
from __future__ import annotations

import hmac
import sys
from typing import Any, List, Optional

from bot.private_files import VAR, secret_from

API_TOKEN_ENV = "RASA_API_TOKEN"
API_TOKEN_FILE = VAR / "api_token"


def api_token(create: bool = True) -> Optional[str]:
    """Returns the HTTP API token: RASA_API_TOKEN, else var/api_token (made, 0600, when create is True)."""
    return secret_from(API_TOKEN_ENV, API_TOKEN_FILE, create=create)


class ConstantTimeToken(str):
    """A token whose equality test with a string is hmac.compare_digest (constant time)."""

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, str):
            return False
        return hmac.compare_digest(self.encode("utf-8"), other.encode("utf-8"))

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)

    __hash__ = str.__hash__

    def __repr__(self) -> str:
        return "ConstantTimeToken('***')"


def main(argv: Optional[List[str]] = None) -> None:
    """Runs Rasa's command line (argv without the program name) with the token added in memory."""
    import rasa.__main__
    import rasa.cli.run

    from bot.action_response_schema import use_a_validator_built_once

    arguments = list(sys.argv[1:] if argv is None else argv)
    if any(arg == "--auth-token" or arg.startswith("--auth-token=") for arg in arguments):
        raise SystemExit("Pass the API token in RASA_API_TOKEN or var/api_token, not on the command line.")
    rasa_run = rasa.cli.run.run

    def run_with_token(args: Any) -> None:
        if getattr(args, "enable_api", False):
            args.auth_token = ConstantTimeToken(api_token())
        rasa_run(args)

    # Rasa's parser binds `rasa run` to this module attribute when it is built, below.
    rasa.cli.run.run = run_with_token
    use_a_validator_built_once()
    sys.argv = ["rasa", *arguments]
    rasa.__main__.main()


if __name__ == "__main__":
    main()
