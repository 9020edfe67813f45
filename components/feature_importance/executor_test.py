"""FeatureImportance: recorded importances pass through untouched; otherwise permutation on the holdout finds
the feature the model reads."""
import json

import numpy as np
import pytest

import components  # noqa: F401
from components.feature_importance.executor import measure
from core import importance
from core.contract import write_model_info
from tests.helpers import example


def test_importances_a_model_recorded_are_kept_and_no_example_is_read(tmp_path):
    write_model_info(str(tmp_path), {"label": "y", "classes": ["0", "1"], "raw_features": {"a": "float"},
                                     "importances": {"a": 30.0, "b": 10.0, "unused": 0.0},
                                     "importance_method": "TF-DF SUM_SCORE"})
    found = measure(str(tmp_path), examples_artifacts=[], splits=["eval"], limit=10)
    assert found == {"importances": {"a": 0.75, "b": 0.25, "unused": 0.0}, "method": "TF-DF SUM_SCORE"}


def test_permutation_finds_the_feature_the_model_reads():
    rng = np.random.default_rng(0)
    rows = [(float(rng.random()), float(rng.random())) for _ in range(400)]
    examples = [example(signal=s, noise=n, y=str(int(s > 0.5))) for s, n in rows]

    def predict(serialized):  # a model that reads `signal` only
        import tensorflow as tf
        values = [tf.train.Example.FromString(s).features.feature["signal"].float_list.value[0] for s in serialized]
        return np.array(values).reshape(-1, 1)

    found = importance.permutation_importance(examples, predict, "y", ["0", "1"], ["signal", "noise"])
    assert found["accuracy"] == 1.0 and found["rows"] == 400
    assert found["importances"] == {"noise": 0.0, "signal": 1.0}
    assert found["losses"]["signal"] == pytest.approx(0.5, abs=0.08)


def test_labels_outside_the_classes_are_left_out_and_none_is_an_error():
    examples = [example(x=1.0, y="maybe")]
    with pytest.raises(ValueError, match="no holdout example carries a label"):
        importance.permutation_importance(examples, lambda s: np.zeros((len(s), 1)), "y", ["0", "1"], ["x"])
    assert json.dumps(importance.shares({"a": -1.0, "b": 0.0})) == "{}"
