"""Secrets the servers share: kept in the environment or in files only their owner can read.

- `var/` is created (or tightened) to mode 0700.
- A secret file is created with mode 0600 in the same system call that creates it
  (`os.open(..., O_CREAT | O_EXCL, 0o600)`), so it is never readable by others, not even
  for a moment; it is filled under a private name and then linked into place, so two
  processes starting at once end up with the same, complete value.
"""
from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from typing import Optional

from bot import ROOT

VAR = ROOT / "var"


def private_dir(path: Path = VAR) -> Path:
    """Creates the directory if needed and makes it accessible to its owner only (0700)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) != 0o700:
        path.chmod(0o700)
    return path


def read_or_create_secret(path: Path, nbytes: int = 32) -> str:
    """Returns the secret stored in path, creating it (0600, random) when the file does not exist."""
    private_dir(path.parent)
    if not path.exists():
        # Written in full under a private name, then linked into place: a second process
        # starting at the same moment either wins the link or reads the complete winner.
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_urlsafe(nbytes) + "\n")
            try:
                os.link(draft, path)
            except FileExistsError:
                pass
        finally:
            draft.unlink()
    value = _read(path)
    if not value:
        raise RuntimeError(f"{path} is empty. Delete it and start again; a new secret is made.")
    return value


def secret_from(env_name: str, path: Path, create: bool = True) -> Optional[str]:
    """Returns the secret in the environment variable, else in the file (made when create is True)."""
    value = os.environ.get(env_name, "").strip()
    if value:
        return value
    if create:
        return read_or_create_secret(path)
    return _read(path) if path.exists() else None


def _read(path: Path) -> str:
    return path.read_text().strip()
