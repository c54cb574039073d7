"""Custom actions: thin adapters between Rasa's slots and the knowledge base.

No medical rule is decided here; every fact, rule and sentence comes from
`knowledge` or from the responses in domain.yml.
"""

import os as _os

# A cluster's action servers (bot/cluster.py sets ACTIONS_PRELOAD_KNOWLEDGE=1) build the
# question index before they listen: building it takes a minute or more on a busy 2-core
# machine, which the first patient of each server would otherwise wait through.
# `make run` leaves it to the first question, as before.
if _os.environ.get("ACTIONS_PRELOAD_KNOWLEDGE", "").strip() == "1":
    from knowledge import query as _query

    _query.question_index()
    _query.condition_gate()
