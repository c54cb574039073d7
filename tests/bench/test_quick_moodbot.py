"""The smoke run's moodbot baseline (bench/bots.py): trained the same way every time."""
import yaml

from bench.bots import DEFAULT_CONFIG, QUICK_MOODBOT_EPOCHS

TRAINED = {"DIETClassifier", "ResponseSelector", "TEDPolicy"}


def test_every_trained_part_of_the_quick_moodbot_is_seeded():
    # Regression: unseeded, one training of the quick moodbot read "hi" as nlu_fallback and
    # answered nothing, and `bot bench --tiny` waited for an answer until make test's timeout.
    config = yaml.safe_load(DEFAULT_CONFIG.format(epochs=QUICK_MOODBOT_EPOCHS))
    parts = {part["name"]: part for part in config["pipeline"] + config["policies"]}
    assert TRAINED <= set(parts)
    assert all(isinstance(parts[name].get("random_seed"), int) for name in TRAINED)
    assert all(parts[name]["epochs"] == QUICK_MOODBOT_EPOCHS for name in TRAINED)
