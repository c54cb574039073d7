"""Custom actions: thin adapters between Rasa's slots and the knowledge base.

No medical rule is decided here; every fact, rule and sentence comes from
`knowledge` or from the responses in domain.yml.
"""
