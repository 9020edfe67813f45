"""The trees' hyperparameter search on tiny generated rows, with a budget of two seconds."""
from types import SimpleNamespace

import numpy as np
import pytest

from components.calibrated_trainer.executor import hyperparameter_properties
from core.contract import write_model_info
from models import gradient_boosted, tree_search

BUDGET = 2.0


def _span(rows: int, seed: int):
    rng = np.random.default_rng(seed)
    features = {"x1": rng.normal(size=rows).astype(np.float32), "x2": rng.normal(size=rows).astype(np.float32),
                "code": rng.integers(0, 4, size=rows)}
    signal = features["x1"] + features["x1"] * features["x2"] + (features["code"] == 2) + rng.normal(size=rows) / 2
    return features, (signal > 0).astype(np.int64)


SPANS = {"span-1/train": _span(300, 1), "span-2/train": _span(300, 2)}


def _fn_args(tune: str, base_model=None):
    return SimpleNamespace(custom_config={"tune": tune, "tune_budget_seconds": BUDGET}, base_model=base_model,
                           train_files=list(SPANS))


@pytest.fixture(scope="module")
def searched():
    return tree_search.choose(_fn_args("auto"), SPANS.__getitem__, ["code"], regression=False)


def test_a_search_scores_its_trials_on_the_newest_span_within_the_budget_and_keeps_what_beats_the_defaults(searched):
    assert searched.searched and searched.retrains_since_search == 0
    assert searched.trials >= tree_search.MIN_TRIALS
    assert searched.search_seconds <= 2 * BUDGET
    assert searched.validation_rows == 300                    # span-2's rows; span-1's grew the trials
    assert searched.validation_loss <= searched.default_loss
    assert set(searched.values) <= set(tree_search.SEARCH_SPACE)
    assert all(searched.values[name] in tree_search.SEARCH_SPACE[name] for name in searched.values)
    # the TF-DF forest the Trainer exports takes the chosen values over the default settings
    forest = gradient_boosted.build(["code"], 2, hyperparameters=searched.values)
    assert all(forest.learner_params[name] == value for name, value in searched.values.items())


def test_the_choice_is_recorded_and_the_next_training_with_tune_off_reuses_it_without_reading_rows(searched, tmp_path):
    write_model_info(str(tmp_path), {"label": "y", "hyperparameters": searched.to_dict()})
    properties = hyperparameter_properties({"hyperparameters": searched.to_dict()})
    assert properties["hyperparameters_searched"] == 1 and '"searched": true' in properties["hyperparameters"]

    def no_rows(pattern):
        raise AssertionError(f"a retrain without a search read {pattern}")
    reused = tree_search.choose(_fn_args("off", str(tmp_path)), no_rows, ["code"], regression=False)
    assert reused.values == searched.values and not reused.searched and reused.retrains_since_search == 1
    assert tree_search.choose(_fn_args("off"), no_rows, ["code"], regression=False) is None  # as before: defaults
    write_model_info(str(tmp_path), {"label": "y", "hyperparameters": reused.to_dict()})
    again = tree_search.choose(_fn_args("every 2 retrains", str(tmp_path)), SPANS.__getitem__, ["code"], False)
    assert again.searched  # the second retrain after a search searches again


def test_one_span_is_split_in_reading_order_the_last_rows_scoring():
    features, labels = SPANS["span-1/train"]
    (fit_features, fit_labels), (valid_features, valid_labels) = tree_search.split_by_time([(features, labels)])
    assert len(valid_labels) == 60 and np.array_equal(valid_features["x1"], features["x1"][240:])
    assert tree_search.split_by_time([(
        {name: values[:10] for name, values in features.items()}, labels[:10])]) is None


def test_a_regression_search_scores_by_rmse():
    parts = [(features, features["x1"] * 3 + features["code"] + labels) for features, labels in SPANS.values()]
    chosen = tree_search.search(parts, ["code"], regression=True, budget_seconds=1.0)
    assert chosen.searched and chosen.validation_rows == 300 and 0 < chosen.validation_loss <= chosen.default_loss


def test_the_gate_keeps_the_defaults_when_the_best_trials_lead_is_within_the_noise_of_the_rows():
    default_rows = np.linspace(0.2, 2.0, 90)
    noisy = default_rows - np.resize([0.52, -0.48], 90)    # saves 0.02 a row on average, +-0.5 row by row
    comparison = tree_search.Comparison.of(default_rows, noisy, regression=False)
    assert 0 < comparison.gain < comparison.standard_error
    assert not comparison.beats_defaults(tree_search.GATE_STANDARD_ERRORS) and comparison.beats_defaults(0.0)
    assert "the defaults kept" in comparison.reason(tree_search.GATE_STANDARD_ERRORS)
    assert tree_search.Comparison.of(default_rows, default_rows * 0.8, regression=False).beats_defaults(1.0)


def _smooth(rows: int, seed: int):
    rng = np.random.default_rng(seed)
    features = {"x1": rng.normal(size=rows).astype(np.float32), "x2": rng.normal(size=rows).astype(np.float32)}
    return features, 3 * np.sin(2 * features["x1"]) + 2 * features["x2"] ** 2 + rng.normal(size=rows) / 10


def test_a_clearly_better_setting_is_taken_and_noise_on_few_rows_leaves_the_defaults(monkeypatch):
    monkeypatch.setattr(tree_search, "_trials_within", lambda budget, seconds: 6)   # the same trials on any machine
    clear = tree_search.search([_smooth(300, 1), _smooth(100, 2)], [], regression=True, budget_seconds=4.0)
    assert clear.values and clear.validation_loss == clear.best_loss < 0.6 * clear.default_loss
    assert "kept" in clear.reason and "defaults kept" not in clear.reason

    def noisy(rows: int, seed: int):      # the label is mostly noise: a trial's lead on 60 rows is mostly luck
        rng = np.random.default_rng(seed)
        features = {"x1": rng.normal(size=rows).astype(np.float32), "x2": rng.normal(size=rows).astype(np.float32)}
        return features, (features["x1"] + rng.normal(size=rows) * 3 > 0).astype(np.int64)
    lucky = tree_search.search([noisy(240, 6), noisy(60, 106)], [], regression=False, budget_seconds=4.0)
    assert lucky.best_loss < lucky.default_loss          # the search alone, ungated, would have taken it
    assert lucky.values == {} and lucky.validation_loss == lucky.default_loss and "defaults kept" in lucky.reason
