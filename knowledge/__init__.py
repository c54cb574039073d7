"""The chatbot's medical knowledge, independent of Rasa.

data/*.yml        curated content in the project's own words, each entry with its sources
staging.py        the one staging engine, and the pydantic models of the rule files it interprets
staging_files.py  reads data/staging/*.yml into those models, with the checks across names and
                  files (every combination covered by exactly one rule); cached by the files' content
entry_files.py    the pydantic models of the question-and-answer entry and source files
datafiles.py      reads and checks every data file; yaml_files.py turns a problem into a
                  DataFileError naming file, entry and problem
models.py         SQL tables of what the answers look up; loader.py builds them from the data files
query.py          the functions the actions call (see docs/architecture.md)
"""
