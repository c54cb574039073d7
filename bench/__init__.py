"""Benchmarks: `python -m bot bench` compares this bot's per-turn latency with a bare Rasa bot's."""
