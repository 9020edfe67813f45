"""The gradient-boosted trees adapt's packages share (`model.kind: gbt`): TensorFlow Decision Forests in the Trainer.

TF-DF's GradientBoostedTreesModel is a Keras model, so it trains in the
Trainer's run_fn on Transform's output and exports with the same signatures
as the network (models/export.py); when every feature is dense the Trainer grows
the same learner's forest in YDF on the rows in memory instead and serves it
through TF-DF's inference model (models/ydf_forest.py: 2 to 3 times faster at
320,000 rows). Trees need no scaling and no warm start:
each run grows a new forest of NUM_TREES trees of leaves of at least
MIN_EXAMPLES rows (no early stopping), the same for the same data.
Trees need no preprocessing: with `kind: gbt` the packages' preprocessing_fn
hands them numbers as they are (missing values NaN: `raw_number`) and text as
vocabulary ids. Vocabulary ids, whose order means nothing, are declared
categorical; every other input splits as a number (on the taxi quarters that
beats declaring integer codes categorical by 1.2 points, and z-scoring with
missing values filled by 0 by another 1.2).

Loading a TF-DF SavedModel needs its custom ops registered first (importing
the package does it): TFX-BSL's RunInference and TFMA do so themselves,
adapt's model server when the model info says `kind: gbt`
(core/contract.py: load_custom_ops). TF Serving has them built in since 2.11,
so Kubeflow's InfraValidator pod runs the stock image.

A span's test split is often too small to calibrate on alone (a first batch
of 900 rows leaves 180): `out_of_fold_outputs` grows CROSS_FIT_FOLDS more
forests, each on all training rows but one fold, and answers every training
row with the forest that did not see it, as scikit-learn's
CalibratedClassifierCV(ensemble=False) does. The Trainer adds those rows to
the holdout's when the holdout has fewer than CROSS_FIT_BELOW rows. Those
forests only answer rows, so they grow in YDF directly (the library TF-DF
wraps, same learner and settings): a Keras model traces its TensorFlow
functions anew for every forest, about a second each; YDF grows one in a tenth
of that. On numbers the forests are TF-DF's to the bit (gradient_boosted_test.py);
categories enter YDF by value where TF-DF passes them as integer ids, which can
break a tie between splits the other way.
"""
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Tuple

import numpy as np
import tensorflow as tf

from core.contract import raw_name
from core.trees import (IMPORTANCE, MIN_EXAMPLES, NUM_TREES, SETTINGS, settings,  # noqa: F401  (one source)
                        ydf_learner)

GBT = "gbt"
BATCH_SIZE = 1024

def raw_number(x):
    """A feature as trees want it in Transform's output: float32, missing values NaN (TF-DF's missing)."""
    if isinstance(x, tf.sparse.SparseTensor):
        values = tf.SparseTensor(x.indices, tf.cast(x.values, tf.float32), [x.dense_shape[0], 1])
        return tf.squeeze(tf.sparse.to_dense(values, float("nan")), axis=1)
    return tf.reshape(tf.cast(x, tf.float32), [-1])


def build(unordered: Iterable[str], classes: int, seed: int = 42, regression: bool = False,
          hyperparameters: Optional[Mapping[str, Any]] = None):
    """The forest, untrained: classes > 2 softmax, 2 one probability, `regression` the predicted value;
    `hyperparameters` (a search's, models/tree_search.py) over the default SETTINGS."""
    import tensorflow_decision_forests as tfdf
    features = [tfdf.keras.FeatureUsage(name=name, semantic=tfdf.keras.FeatureSemantic.CATEGORICAL)
                for name in sorted(unordered)]
    # No early stopping on a random 10 % of the training rows: on a span of 700 rows that sample moved the
    # taxi model's accuracy by 2 points from one seed to the next; a fixed forest trains the same every time.
    task = tfdf.keras.Task.REGRESSION if regression else tfdf.keras.Task.CLASSIFICATION
    model = tfdf.keras.GradientBoostedTreesModel(task=task, features=features or None,
                                                 exclude_non_specified_features=False, random_seed=seed, verbose=0,
                                                 **settings(hyperparameters))
    if regression:
        model.compile(metrics=[tf.keras.metrics.MeanAbsoluteError(name="mae")])
    else:
        model.compile(metrics=[tf.keras.metrics.BinaryAccuracy(name="accuracy") if classes == 2
                               else tf.keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    return model


def importances(inspector) -> Dict[str, float]:
    """{raw feature: the forest's SUM_SCORE importance} (features no split uses are absent: they weigh nothing)."""
    found: Dict[str, float] = {}
    for column, score in inspector.variable_importances().get(IMPORTANCE, []):
        name = raw_name(column.name)
        found[name] = found.get(name, 0.0) + float(score)
    return found


def training_info(fn_args) -> Dict[str, object]:
    """What the model info file records of any forest's training."""
    return {"spans": (fn_args.custom_config or {}).get("spans", []), "training_mode": "scratch",
            "warm_started_layers": []}


def train(model, fn_args, train_dataset) -> Dict[str, object]:
    """Grows the forest over one pass of the training rows; returns what the model info file records."""
    model.fit(train_dataset, verbose=0)
    inspector = model.make_inspector()
    return {**training_info(fn_args), "trees": int(inspector.num_trees()), "importances": importances(inspector),
            "importance_method": f"TF-DF {IMPORTANCE}"}


CROSS_FIT_FOLDS = 4
CROSS_FIT_BELOW = 1000  # holdout rows that calibrate well enough alone: 3 sigma of their accuracy under 0.03


def _in_memory(dataset) -> Optional[Tuple[Dict[str, np.ndarray], np.ndarray]]:
    """One pass of (features, label) batches as arrays; None when a feature is sparse."""
    if isinstance(dataset, tuple):
        return dataset   # already in memory (models/trainer.py reads the training rows once)
    columns: Dict[str, list] = {}
    labels = []
    for features, label in dataset:
        for name, value in features.items():
            if isinstance(value, tf.sparse.SparseTensor):
                return None
            columns.setdefault(name, []).append(value.numpy())
        labels.append(np.asarray(label).reshape(-1))
    if not labels:
        return None
    return {name: np.concatenate(parts) for name, parts in columns.items()}, np.concatenate(labels)


def out_of_fold_outputs(unordered: Iterable[str], classes: int, train_dataset, folds: int = CROSS_FIT_FOLDS,
                        seed: int = 42, regression: bool = False, hyperparameters: Optional[Mapping[str, Any]] = None,
                        label_scale=None) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """(outputs, labels) for every training row, each from a forest grown without that row's fold: `build`'s
    forest, grown by YDF (outputs as the TF-DF model's: one probability for 2 classes, one per class for more).
    A regression label is grown on `label_scale` (core/label_scale.py) and answered in its unit."""
    rows = _in_memory(train_dataset)
    if rows is None or len(rows[1]) < folds * MIN_EXAMPLES:
        return None
    features, labels = _in_one_order(*rows)
    fold = np.random.default_rng(seed).permutation(len(labels)) % folds
    if not regression and any(len(np.unique(labels[fold != k])) < 2 for k in range(folds)):
        return None  # a forest needs two classes to grow
    categorical = set(unordered)
    columns = ydf_columns(features, categorical)
    learner = ydf_learner(_LABEL, categorical & set(columns), regression, seed, hyperparameters)
    outputs = np.zeros((len(labels), 1 if regression or classes <= 2 else classes))
    for k in range(folds):
        fit, held = fold != k, fold == k
        grown_on = labels[fit] if label_scale is None else label_scale.forward(np.asarray(labels[fit], dtype=float))
        model = learner.train({**{n: v[fit] for n, v in columns.items()}, _LABEL: grown_on}, verbose=0)
        answers = model.predict({n: v[held] for n, v in columns.items()})
        outputs[held] = _as_tfdf_outputs(model, answers if label_scale is None else label_scale.inverse(answers),
                                         classes, regression)
    return outputs, labels


_LABEL = "__label__"


def ydf_columns(features: Dict[str, np.ndarray], categorical: Iterable[str]) -> Dict[str, np.ndarray]:
    """Transform's outputs as YDF reads them: YDF reads integer ids as numbers; as text they are categories (a
    negative id, TF-DF's missing, is empty). Columns sorted by name: Transform hands its features over in an order
    that changes from one process to the next, and YDF breaks a tie between two equally good splits by the
    column's position, so the forests followed it."""
    categorical = set(categorical)
    return {name: (np.where(values < 0, "", values.astype(str)) if name in categorical else values)
            for name, values in sorted(features.items())}


def _in_one_order(features: Dict[str, np.ndarray], labels: np.ndarray) -> Tuple[Dict[str, np.ndarray], np.ndarray]:
    """The rows sorted by a hash of their values: the folds, and so every out-of-fold answer, then depend on the
    rows and not on the order TFX read the training files in. A number is hashed by its rank in its column:
    Transform's scaling, summed by Beam in any order, moves the numbers in their last bits from one run to the
    next, but it moves them all the same monotone way, so their ranks stay (rounding them did not: a value next
    to a rounding boundary fell on either side of it)."""
    import pandas as pd
    count = len(labels)

    def hashed(values: np.ndarray) -> np.ndarray:
        if values.dtype.kind == "f":
            values = np.unique(values, return_inverse=True)[1].reshape(-1)
        return pd.util.hash_array(values)
    key = hashed(np.asarray(labels).reshape(count, -1)[:, 0])
    for name in sorted(features):
        values = features[name].reshape(count, -1)
        for position in range(values.shape[1]):
            key = key * np.uint64(1000003) ^ hashed(values[:, position])
    order = np.argsort(key, kind="stable")
    return {name: values[order] for name, values in features.items()}, labels[order]


def _as_tfdf_outputs(model, predicted: np.ndarray, classes: int, regression: bool) -> np.ndarray:
    """YDF's predictions in the TF-DF model's layout: the value; the probability of class 1 of 2; a column per
    class index (YDF orders the classes it saw by their names, and a fold may lack one)."""
    predicted = np.asarray(predicted, dtype=float)
    if regression:
        return predicted.reshape(-1, 1)
    seen = [int(name) for name in model.label_classes()]
    by_class = predicted.reshape(len(predicted), -1)
    if by_class.shape[1] == 1:  # two classes seen: the probability of the second
        by_class = np.concatenate([1 - by_class, by_class], axis=1)
    full = np.zeros((len(predicted), max(classes, 2)))
    full[:, seen] = by_class
    return full[:, 1:2] if classes <= 2 else full
