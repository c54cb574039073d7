"""Reads test stories with Rasa's own YAML story reader, against the project's domain."""
from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import List

from bot import ROOT
from bot.cli import CommandError

DOMAIN_FILE = ROOT / "domain.yml"
logger = logging.getLogger(__name__)


def load_domain():
    """Returns the domain from domain.yml, or an empty domain when it is missing or invalid."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.exceptions import RasaException

    if DOMAIN_FILE.exists():
        try:
            with warnings.catch_warnings():
                # Rasa 3 says this for every domain with slots; it is not about this project.
                warnings.filterwarnings("ignore", message="Slot auto-fill has been removed")
                return Domain.load(DOMAIN_FILE)
        except RasaException as error:
            logger.warning(f"domain.yml could not be read ({error}); intents are not checked.")
    return Domain.empty()


def read_stories(text: str, source: str, domain=None) -> List:
    """Returns the StorySteps in a YAML stories text; raises CommandError when it is not valid."""
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
    from rasa.shared.exceptions import RasaException

    reader = YAMLStoryReader(domain if domain is not None else load_domain(), source)
    try:
        with warnings.catch_warnings():
            # pykwalify, which Rasa validates YAML with, uses a deprecated import hook.
            warnings.simplefilter("ignore", DeprecationWarning)
            return reader.read_from_string(text)
    except RasaException as error:
        raise CommandError(f"{source} is not a valid Rasa stories file: {error}", 2) from None


def read_story_file(path: Path, domain=None) -> List:
    """Returns the StorySteps in a YAML stories file; raises CommandError when it cannot be read."""
    if not path.is_file():
        raise CommandError(f"There is no stories file at {path}.", 2)
    return read_stories(path.read_text(encoding="utf-8"), str(path), domain)
