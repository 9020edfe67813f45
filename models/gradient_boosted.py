"""The gradient-boosted trees adapt's packages share (`model.kind: gbt`): TensorFlow Decision Forests in the Trainer.

TF-DF's GradientBoostedTreesModel is a Keras model, so it trains in the
Trainer's run_fn on Transform's output and exports with the same signatures
as the network (models/export.py). Trees need no scaling and no warm start:
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
"""
from typing import Dict, Iterable

import tensorflow as tf

from core.contract import raw_name

GBT = "gbt"
BATCH_SIZE = 1024
NUM_TREES = 100       # with MIN_EXAMPLES, scikit-learn's HistGradientBoosting defaults (max_iter, min_samples_leaf)
MIN_EXAMPLES = 20

def raw_number(x):
    """A feature as trees want it in Transform's output: float32, missing values NaN (TF-DF's missing)."""
    if isinstance(x, tf.sparse.SparseTensor):
        values = tf.SparseTensor(x.indices, tf.cast(x.values, tf.float32), [x.dense_shape[0], 1])
        return tf.squeeze(tf.sparse.to_dense(values, float("nan")), axis=1)
    return tf.reshape(tf.cast(x, tf.float32), [-1])


def build(unordered: Iterable[str], classes: int, seed: int = 42):
    import tensorflow_decision_forests as tfdf
    features = [tfdf.keras.FeatureUsage(name=name, semantic=tfdf.keras.FeatureSemantic.CATEGORICAL)
                for name in sorted(unordered)]
    # No early stopping on a random 10 % of the training rows: on a span of 700 rows that sample moved the
    # taxi model's accuracy by 2 points from one seed to the next; a fixed forest trains the same every time.
    model = tfdf.keras.GradientBoostedTreesModel(task=tfdf.keras.Task.CLASSIFICATION, features=features or None,
                                                 exclude_non_specified_features=False, random_seed=seed, verbose=0,
                                                 num_trees=NUM_TREES, min_examples=MIN_EXAMPLES,
                                                 validation_ratio=0.0)
    model.compile(metrics=[tf.keras.metrics.BinaryAccuracy(name="accuracy") if classes == 2
                           else tf.keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    return model


IMPORTANCE = "SUM_SCORE"  # the loss reduction of every split on a feature: what the forest relies on


def importances(inspector) -> Dict[str, float]:
    """{raw feature: the forest's SUM_SCORE importance} (features no split uses are absent: they weigh nothing)."""
    found: Dict[str, float] = {}
    for column, score in inspector.variable_importances().get(IMPORTANCE, []):
        name = raw_name(column.name)
        found[name] = found.get(name, 0.0) + float(score)
    return found


def train(model, fn_args, train_dataset) -> Dict[str, object]:
    """Grows the forest over one pass of the training rows; returns what the model info file records."""
    model.fit(train_dataset, verbose=0)
    custom = fn_args.custom_config or {}
    inspector = model.make_inspector()
    return {"spans": custom.get("spans", []), "training_mode": "scratch", "warm_started_layers": [],
            "trees": int(inspector.num_trees()), "importances": importances(inspector),
            "importance_method": f"TF-DF {IMPORTANCE}"}
