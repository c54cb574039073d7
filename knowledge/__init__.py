"""The chatbot's medical knowledge, independent of Rasa.

data/*.yml       curated content in the project's own words, each entry with its sources
models.py        SQL tables; loader.py builds them from the data files (datafiles.py checks them)
staging.py       the one staging engine that interprets the rule tables of every system
query.py         the functions the actions call (see docs/architecture.md)
"""
