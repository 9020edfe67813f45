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


def test_importances_a_model_recorded_are_kept_and_without_examples_the_model_is_not_loaded(tmp_path):
    write_model_info(str(tmp_path), {"label": "y", "classes": ["0", "1"], "raw_features": {"a": "float"},
                                     "importances": {"a": 30.0, "b": 10.0, "unused": 0.0},
                                     "importance_method": "TF-DF SUM_SCORE"})
    found = measure(str(tmp_path), examples_artifacts=[], splits=["eval"], limit=10)  # no SavedModel there
    assert found == {"importances": {"a": 0.75, "b": 0.25, "unused": 0.0}, "method": "TF-DF SUM_SCORE",
                     "holdout_answers": {}}


def test_the_holdout_answers_are_the_predicted_classes_or_the_predicted_values():
    from components.feature_importance.executor import holdout_answers
    from core.drift import distributions
    binary = holdout_answers(np.array([[0.9], [0.2], [0.7], [0.6]]), ["no", "yes"])
    assert binary == {"kind": "categorical", "counts": {"yes": 3.0, "no": 1.0}}
    three = holdout_answers(np.array([[0.1, 0.8, 0.1], [0.5, 0.3, 0.2]]), ["a", "b", "c"])
    assert three["counts"] == {"b": 1.0, "a": 1.0}
    values = holdout_answers(np.array([[10.0], [12.0], [12.0], [30.0]]), [])
    restored = distributions.from_dict(json.loads(json.dumps(values)))
    assert values["kind"] == "numeric" and restored.count == 4 and restored.mean == 16.0
    assert restored.cdf_at(12.0) == 0.75 and restored.cdf_at(np.nextafter(12.0, 0)) == 0.25
    assert holdout_answers(np.zeros((0, 1)), ["no", "yes"]) == {}


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


def test_a_shuffled_example_assembled_from_serialized_entries_is_the_one_protobuf_builds():
    import tensorflow as tf
    rows = [example(a=1.5, b="x", é=3), example(a=2.0), example(b="y" * 300, c=[1, 2, 3])]
    entries = [importance.feature_entries(row.SerializeToString()) for row in rows]
    assert [sorted(found) for found in entries] == [["a", "b", "é"], ["a"], ["b", "c"]]
    for name in ["a", "b", "c", "é"]:
        for i, j in [(0, 1), (1, 0), (1, 2), (2, 0)]:
            expected = tf.train.Example()
            expected.CopyFrom(rows[i])
            expected.features.feature[name].CopyFrom(rows[j].features.feature[name] if name in rows[j].features.feature
                                                     else tf.train.Feature())
            others = b"".join(entry for key, entry in entries[i].items() if key != name)
            assembled = importance.example_bytes(others + (entries[j].get(name) or importance.map_entry(name, b"")))
            assert tf.train.Example.FromString(assembled) == expected, (name, i, j)
    with pytest.raises(ValueError, match="not a serialized tf.Example"):
        importance.feature_entries(b"\x10\x01")
