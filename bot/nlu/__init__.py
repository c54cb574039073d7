"""The project's NLU: a spaCy tumor-facts extractor and Rasa components around it."""
