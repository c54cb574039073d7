"""Custom actions: thin adapters between Rasa's slots and the knowledge base.

No medical rule is decided here; every fact, rule and sentence comes from
`knowledge` or from the responses in domain.yml.
"""

import os as _os

# The action servers of `make run` and `make run-cluster` (bot/launcher.py and bot/cluster.py
# set ACTIONS_PRELOAD_KNOWLEDGE=1) build the question index before they listen: building it
# takes from 12 s to a minute or more on a busy 2-core machine, longer than a turn may wait
# for the action server (ACTION_TIMEOUT_SECONDS, 10 s), so the first patient of each server
# would otherwise get the unavailable notice. Tests that import the actions leave it unset.
if _os.environ.get("ACTIONS_PRELOAD_KNOWLEDGE", "").strip() == "1":
    from knowledge import query as _query

    _query.question_index()
    _query.condition_gate()
