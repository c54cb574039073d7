"""The chatbot's medical knowledge, independent of Rasa.

data/*.yml       curated content in the project's own words, each entry with its sources
staging.py       the one staging engine; it interprets the rule files in data/staging/ as read
                 and checked by datafiles.rulebook (cached by the files' content, never stored in SQL)
models.py        SQL tables of what the answers look up; loader.py builds them from the data files
                 (datafiles.py checks them)
query.py         the functions the actions call (see docs/architecture.md)
"""
