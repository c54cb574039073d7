"""The smoke run's moodbot baseline (bench/bots.py): trained the same way every time."""
import yaml

from bench.bots import DEFAULT_CONFIG, QUICK_MOODBOT_EPOCHS, moodbot_model

TRAINED = {"DIETClassifier", "ResponseSelector", "TEDPolicy"}


def test_every_trained_part_of_the_quick_moodbot_is_seeded():
    # Regression: unseeded, one training of the quick moodbot read "hi" as nlu_fallback and
    # answered nothing, and `bot bench --tiny` waited for an answer until make test's timeout.
    config = yaml.safe_load(DEFAULT_CONFIG.format(epochs=QUICK_MOODBOT_EPOCHS))
    parts = {part["name"]: part for part in config["pipeline"] + config["policies"]}
    assert TRAINED <= set(parts)
    assert all(isinstance(parts[name].get("random_seed"), int) for name in TRAINED)
    assert all(parts[name]["epochs"] == QUICK_MOODBOT_EPOCHS for name in TRAINED)


def test_a_quick_moodbot_cached_with_another_config_is_trained_again(tmp_path):
    # Regression: a checkout that had cached the unseeded baseline kept using it, and kept hanging.
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "old.tar.gz").write_bytes(b"")
    (tmp_path / "config.yml").write_text(DEFAULT_CONFIG.replace("    random_seed: 1\n", "").format(epochs=25))
    assert moodbot_model(tmp_path, quick=True) is None
    (tmp_path / "config.yml").write_text(DEFAULT_CONFIG.format(epochs=QUICK_MOODBOT_EPOCHS))
    assert moodbot_model(tmp_path, quick=True) == tmp_path / "models" / "old.tar.gz"
