"""Every knowledge test runs against a database built once in a temporary folder, never var/."""
import pytest

from knowledge.loader import build


@pytest.fixture(scope="session")
def knowledge_db_url(tmp_path_factory):
    """Return the URL of a knowledge database built for this test session."""
    url = f"sqlite:///{tmp_path_factory.mktemp('knowledge') / 'knowledge.db'}"
    build(url)
    return url


@pytest.fixture(autouse=True)
def use_test_db(knowledge_db_url, monkeypatch):
    """Point KNOWLEDGE_DB_URL at the session's test database for each test."""
    monkeypatch.setenv("KNOWLEDGE_DB_URL", knowledge_db_url)
    yield knowledge_db_url
