"""The runtime around Rasa: the conversation store, the widget page and the command-line tools."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
