"""Matches a question, as people type it, to the knowledge entry that answers it, or to none.

Each entry brings its question, its example questions and its answer
(knowledge/data/entries/*.yml). A linear classifier (scikit-learn's SGDClassifier with
logistic loss, fixed seed) learns the entries from them, over TF-IDF word n-grams and
character n-grams (so that typos still match). An entry's score is the classifier's
probability (1 for a question that is word for word one of the entry's own), lowered by the share of the question's words that no entry uses ("what is
Ewing sarcoma?" is mostly about a word the entries never use). Below `min_score`
(knowledge/data/retrieval.yml, calibrated on questions kept apart from the test set) nothing
is returned, and the bot says it has no vetted answer rather than answering another question.
The knowledge base is read-only while the bot runs, so the index is built once per process,
or rather once per version of the entries: `load_or_build` keeps each built index in
var/question-index/ under a hash of the entries' texts, the settings and this file, and the
next process (an action server, a test run, a cluster replica) loads it in a fraction of a
second instead of training it again (10-25 s on 2 cores).
"""
from __future__ import annotations

import difflib
import hashlib
import json
import os
import pickle
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import sklearn

import numpy as np
import yaml
from scipy.sparse import hstack
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.linear_model import SGDClassifier

SETTINGS_FILE = Path(__file__).resolve().parent / "data" / "retrieval.yml"
INDEX_CACHE_DIR = Path(__file__).resolve().parents[1] / "var" / "question-index"
# Built indexes kept in the cache folder, the newest (about 65 MB each; a bench run adds a larger one).
CACHED_INDEXES = 3
# Words that carry the meaning of a health question and must not be dropped as stop words.
KEEP_WORDS = {"not", "no", "after", "before", "again", "back", "during", "off", "first", "last", "own", "children"}
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS - KEEP_WORDS)
# Passes of the classifier over the examples (see QuestionIndex.__init__).
TRAINING_PASSES = 30


@dataclass(frozen=True)
class Match:
    """One entry and how similar its closest example is to the question (0 to 1)."""

    entry_id: str
    score: float


@lru_cache(maxsize=1)
def settings() -> dict:
    """Return the matching settings (threshold and synonyms)."""
    with open(SETTINGS_FILE, encoding="utf-8") as f:
        return yaml.safe_load(f)


@lru_cache(maxsize=1)
def _synonym_patterns() -> tuple:
    """Return (pattern, canonical word) pairs, longest phrases first."""
    pairs = []
    for canonical, variants in settings()["synonyms"].items():
        for variant in variants:
            pairs.append((re.compile(rf"\b{re.escape(variant.lower())}\b"), canonical))
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0].pattern)))


def normalise(text: str) -> str:
    """Return the text in lower case, with synonyms rewritten and stop words removed."""
    text = re.sub(r"[^a-z0-9%'.\- ]+", " ", text.lower())
    text = text.replace("'s ", " ").replace("’", "'")
    for pattern, canonical in _synonym_patterns():
        text = pattern.sub(canonical, text)
    words = [w.strip(".'-") for w in text.split()]
    return " ".join(w for w in words if w and w not in STOP_WORDS)


class QuestionIndex:
    """A classifier from questions to entries, trained on the entries' own texts."""

    def __init__(self, examples: list):
        """Build the index from (entry id, text) pairs: questions, examples and answers."""
        texts = [normalise(text) for _, text in examples]
        labels = [entry_id for entry_id, _ in examples]
        self.words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"[a-z0-9%]+")
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        features = hstack([self.words.fit_transform(texts), self.chars.fit_transform(texts)]).tocsr()
        # 30 passes over the examples. Fewer leave the classifier short of converged, so that its
        # scores depend on the order of the examples: with 15, adding two entries (25 examples)
        # moved 17 of the 972 calibration questions across the threshold, with 30 only 4, with
        # 50 8 (and 50 builds twice as slowly). Right and wrong answers on the calibration halves
        # were the same within a question or two at 15, 30 and 50 (docs/nlu_results.md).
        self.classifier = SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=TRAINING_PASSES, tol=None, random_state=1)
        self.classifier.fit(features, labels)
        # predict_proba multiplies the question's sparse features by coef_.T; scipy needs that
        # matrix C-contiguous and would copy all of it (classes x features) on every question.
        # Stored column-major, coef_.T is C-contiguous already: same numbers, no copy.
        self.classifier.coef_ = np.asfortranarray(self.classifier.coef_)
        # A question that is, once normalised, one entry's own question or example is that
        # entry's, whatever the classifier's probability ("what is gist" is an example of the GIST
        # entry, but the GIST treatment entry's examples share its words).
        owners: dict = {}
        for text, label in zip(texts, labels):
            owners.setdefault(text, set()).add(label)
        self.exact = {text: next(iter(found)) for text, found in owners.items() if len(found) == 1 and text}
        self.vocabulary = sorted({word for text in texts for word in text.split()})
        self._known = set(self.vocabulary)
        self._by_length: dict = {}
        for word in self.vocabulary:
            self._by_length.setdefault(len(word), []).append(word)
        self._remember_close_matches()

    def _remember_close_matches(self) -> None:
        # Patients repeat their words; the answer for a word never changes while the process runs.
        self._near_known = lru_cache(maxsize=8192)(self._has_close_match)

    def __getstate__(self) -> dict:
        """Return what is pickled: everything but the per-process cache of close matches."""
        return {key: value for key, value in self.__dict__.items() if key != "_near_known"}

    def __setstate__(self, state: dict) -> None:
        """Restore a pickled index, with an empty cache of close matches."""
        self.__dict__.update(state)
        self._remember_close_matches()

    def known_share(self, normalised: str) -> float:
        """Return the share of the question's words that the entries use (a typo of a known word counts).

        "what is Ewing sarcoma?" shares only "sarcoma" with the entries when none is about
        Ewing sarcoma: the unknown word is what the question is about, so the match is weaker.
        """
        words = normalised.split()
        known = sum(1 for word in words if word in self._known or self._near_known(word))
        return known / len(words) if words else 0.0

    def _has_close_match(self, word: str) -> bool:
        """Return whether a known word is at least 0.8 similar to the word (difflib's ratio).

        Only words of a length that can reach 0.8 are compared: the ratio is at most
        2 * shorter / (both lengths), which is at least 0.8 only when 5 * shorter >= 2 * (sum).
        difflib would drop the others at its first check; skipping them keeps the cost from
        growing with the whole vocabulary.
        """
        size = len(word)
        candidates = [known for length, words in self._by_length.items()
                      if 5 * min(size, length) >= 2 * (size + length) for known in words]
        return bool(difflib.get_close_matches(word, candidates, n=1, cutoff=0.8))

    def rank(self, text: str, limit: int = 5) -> list:
        """Return the best-matching entries, best first, with their scores (0 to 1)."""
        query = normalise(text)
        if not query:
            return []
        features = hstack([self.words.transform([query]), self.chars.transform([query])]).tocsr()
        probabilities = self.classifier.predict_proba(features)[0] * self.known_share(query)
        if query in self.exact:
            probabilities[list(self.classifier.classes_).index(self.exact[query])] = 1.0
        best = probabilities.argsort()[::-1][:limit]
        return [Match(str(self.classifier.classes_[i]), round(float(probabilities[i]), 4)) for i in best]

    def best(self, text: str, min_score: float | None = None) -> Match | None:
        """Return the best entry if it is likely enough to answer with, else None."""
        return likely_enough(self.rank(text, limit=1), min_score)


def likely_enough(ranked: list, min_score: float | None = None) -> Match | None:
    """Return the first of ranked matches if its score reaches min_score (default: the calibrated one), else None."""
    threshold = settings()["min_score"] if min_score is None else min_score
    return ranked[0] if ranked and ranked[0].score >= threshold else None


def load_or_build(examples: list, cache_dir: Path = INDEX_CACHE_DIR) -> QuestionIndex:
    """Return the index of these (entry id, text) pairs: from the cache when built before, else built and cached.

    The cache key covers everything the index is made from: the texts, the synonyms (the only
    setting the index uses: the thresholds are applied to its scores afterwards, so choosing a
    new one rebuilds nothing), this file's code and scikit-learn's version. A cache file that
    cannot be read is built again.
    """
    recipe = json.dumps([examples, settings()["synonyms"], Path(__file__).read_text(encoding="utf-8"),
                         sklearn.__version__])
    path = cache_dir / f"{hashlib.sha256(recipe.encode()).hexdigest()[:20]}.pickle"
    try:
        with open(path, "rb") as f:
            index = pickle.load(f)
        if isinstance(index, QuestionIndex):
            return index
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError):
        pass
    index = QuestionIndex(examples)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        with open(partial, "wb") as f:
            pickle.dump(index, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)  # atomic: several servers may start at once
        for old in sorted(cache_dir.glob("*.pickle"), key=lambda p: p.stat().st_mtime)[:-CACHED_INDEXES]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only checkout still answers; the next process builds the index again
    return index


class ConditionGate:
    """Finds a question about a condition the knowledge base does not cover ("what is Ewing sarcoma?")."""

    def __init__(self, named: list, covered_terms: list, outranking: frozenset = frozenset()):
        """Build from (entry id, condition names) pairs and the terms of what is covered.

        outranking: the ids of entries whose names count even when a covered condition is named
        too ("my dog has a soft tissue sarcoma" is about a dog).
        """
        self.patterns = sorted(
            ((re.compile(rf"\b{re.escape(name.lower())}\b"), entry_id) for entry_id, names in named for name in names),
            key=lambda pair: -len(pair[0].pattern))
        self.covered = re.compile(r"\b(" + "|".join(re.escape(t.lower()) for t in covered_terms) + r")\b")
        self.outranking = frozenset(outranking)

    def entry_for(self, text: str) -> str | None:
        """Return the id of the entry for an uncovered condition the text names, unless a covered one is named too.

        An outranking entry's name (an animal) decides at once, whatever else is named.
        """
        text = text.lower().replace("’", "'")
        found = None
        for pattern, entry_id in self.patterns:
            if pattern.search(text):
                if entry_id in self.outranking:
                    return entry_id
                found = found or entry_id
                text = pattern.sub(" ", text)
        if found and not self.covered.search(text):
            return found
        return None
