"""Opens the project's conversation store for the command-line tools (no server needed)."""
from __future__ import annotations

from bot.cli import CommandError


def open_store(domain=None):
    """Returns a ProjectSQLTrackerStore on TRACKER_STORE_URL, failing fast when it is unreachable."""
    import sqlalchemy
    from sqlalchemy.exc import SQLAlchemyError

    from bot.tracker_store import ProjectSQLTrackerStore, tracker_store_url

    url = tracker_store_url()
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() != "sqlite":
        # Rasa's store retries an unreachable database forever; a tool should say so at once.
        engine = sqlalchemy.create_engine(url)
        try:
            with engine.connect():
                pass
        except SQLAlchemyError as error:
            raise CommandError(f"Cannot reach the conversation store {shown}: "
                               f"{error.__class__.__name__}. Check TRACKER_STORE_URL.") from None
        finally:
            engine.dispose()
    # Retention runs when the Rasa server starts; a tool only reads or deletes what it is asked to.
    return ProjectSQLTrackerStore(domain=domain, retention_days=0)


def describe(store) -> str:
    """Returns the store's database URL with any password hidden, for messages."""
    return store.engine.url.render_as_string(hide_password=True)
