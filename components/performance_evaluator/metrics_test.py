"""The streaming metrics agree with scikit-learn's on the same predictions."""
import random

import pytest
from sklearn import metrics as sk

from components.performance_evaluator.metrics import Metrics
from core.data.predictions import record


def _binary(count=2000, seed=3):
    generator = random.Random(seed)
    labels, scores = [], []
    for _ in range(count):
        label = generator.random() < 0.3
        scores.append(min(max(generator.gauss(0.65 if label else 0.35, 0.2), 0.001), 0.999))
        labels.append("yes" if label else "no")
    return labels, scores


def test_binary_metrics_match_scikit_learn():
    labels, scores = _binary()
    accumulated = Metrics(["no", "yes"])
    half = Metrics(["no", "yes"])
    for index, (label, score) in enumerate(zip(labels, scores)):
        found = record(f"f:{index}", label, [score], ["no", "yes"])
        (accumulated if index % 2 else half).add(label, found["prediction"], found["probabilities"])
    values = accumulated.merge(half).results(["accuracy", "auc", "precision", "recall", "log_loss"])
    y = [label == "yes" for label in labels]
    predicted = [score >= 0.5 for score in scores]
    assert values["accuracy"] == pytest.approx(sk.accuracy_score(y, predicted), abs=1e-4)
    assert values["auc"] == pytest.approx(sk.roc_auc_score(y, scores), abs=1e-3)
    assert values["precision"] == pytest.approx(sk.precision_score(y, predicted), abs=1e-4)
    assert values["recall"] == pytest.approx(sk.recall_score(y, predicted), abs=1e-4)
    assert values["log_loss"] == pytest.approx(sk.log_loss(y, scores), abs=1e-3)


def test_multiclass_metrics_are_macro_averages_and_unknown_labels_count_as_wrong():
    classes = ["Adelie", "Chinstrap", "Gentoo"]
    rows = [("Adelie", [0.8, 0.1, 0.1]), ("Adelie", [0.2, 0.7, 0.1]), ("Chinstrap", [0.1, 0.8, 0.1]),
            ("Gentoo", [0.1, 0.1, 0.8]), ("Emperor", [0.6, 0.2, 0.2])]
    accumulated = Metrics(classes)
    for label, probabilities in rows:
        accumulated.add(label, record("f:0", label, probabilities, classes)["prediction"], probabilities)
    values = accumulated.results(["accuracy", "auc", "precision", "recall"])
    assert values["accuracy"] == 0.6 and "auc" not in values
    truth = [label for label, _ in rows]
    predicted = ["Adelie", "Chinstrap", "Chinstrap", "Gentoo", "Adelie"]
    assert values["precision"] == pytest.approx(sk.precision_score(truth, predicted, labels=classes, average="macro",
                                                                   zero_division=0), abs=1e-4)
    assert values["recall"] == pytest.approx(sk.recall_score(truth, predicted, labels=classes, average="macro",
                                                             zero_division=0), abs=1e-4)


def test_regression_metrics_match_scikit_learn_and_skip_labels_that_are_not_numbers():
    from components.performance_evaluator.metrics import RegressionMetrics
    generator = random.Random(5)
    labels = [generator.gauss(100, 20) for _ in range(1000)]
    predictions = [y + generator.gauss(3, 10) for y in labels]
    first, second = RegressionMetrics(), RegressionMetrics()
    for index, (label, predicted) in enumerate(zip(labels, predictions)):
        found = record(f"f:{index}", f"{label:.6f}", [predicted], [])
        assert set(found) == {"instance_id", "label", "prediction"}
        (first if index % 2 else second).add(found["label"], found["prediction"])
    first.add("n/a", 1.0)
    values = first.merge(second).results(["mae", "rmse", "r2"])
    assert first.count == 1000
    assert values["mae"] == pytest.approx(sk.mean_absolute_error(labels, predictions), abs=1e-3)
    assert values["rmse"] == pytest.approx(sk.mean_squared_error(labels, predictions) ** 0.5, abs=1e-3)
    assert values["r2"] == pytest.approx(sk.r2_score(labels, predictions), abs=1e-3)
