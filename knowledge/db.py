"""Where the knowledge database lives: SQLite under var/ by default, any SQLAlchemy URL via KNOWLEDGE_DB_URL."""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "var" / "knowledge.db"
URL_ENV_VAR = "KNOWLEDGE_DB_URL"

_engines: dict = {}


def database_url(url: str | None = None) -> str:
    """Return the URL to use: the one given, else $KNOWLEDGE_DB_URL, else SQLite in var/."""
    return url or os.environ.get(URL_ENV_VAR) or f"sqlite:///{DEFAULT_DB_PATH}"


def printable_url(url: str) -> str:
    """Return the URL with any password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def engine_for(url: str | None = None) -> Engine:
    """Return the (cached) engine for a URL, creating the folder of a SQLite file if needed."""
    url = database_url(url)
    if url not in _engines:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        _engines[url] = create_engine(url, future=True)
    return _engines[url]
