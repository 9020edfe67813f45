"""The gradient-boosted trees adapt's packages share (`model.kind: gbt`): TensorFlow Decision Forests in the Trainer.

TF-DF's GradientBoostedTreesModel is a Keras model, so it trains in the
Trainer's run_fn on Transform's output and exports with the same signatures
as the network (models/export.py). Trees need no scaling and no warm start:
each run grows a new forest (up to 300 trees, early stopping on a 10 %
validation share of the training rows), deterministic for a given seed.
Categorical ids (vocabularies, buckets, codes) are declared categorical; the
rest is numerical.

Loading a TF-DF SavedModel needs its custom ops registered first (importing
the package does it): TFX-BSL's RunInference and TFMA do so themselves,
adapt's model server when the model info says `kind: gbt`
(core/contract.py: load_custom_ops). A stock TF Serving image lacks them
(see the README's Kubeflow notes).
"""
from typing import Dict, Iterable

import tensorflow as tf

GBT = "gbt"
BATCH_SIZE = 1024

def build(categorical_names: Iterable[str], classes: int, seed: int = 42):
    import tensorflow_decision_forests as tfdf
    features = [tfdf.keras.FeatureUsage(name=name, semantic=tfdf.keras.FeatureSemantic.CATEGORICAL)
                for name in sorted(categorical_names)]
    model = tfdf.keras.GradientBoostedTreesModel(task=tfdf.keras.Task.CLASSIFICATION, features=features or None,
                                                 exclude_non_specified_features=False, random_seed=seed, verbose=0)
    model.compile(metrics=[tf.keras.metrics.BinaryAccuracy(name="accuracy") if classes == 2
                           else tf.keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    return model


def train(model, fn_args, train_dataset) -> Dict[str, object]:
    """Grows the forest over one pass of the training rows; returns what the model info file records."""
    model.fit(train_dataset, verbose=0)
    custom = fn_args.custom_config or {}
    return {"spans": custom.get("spans", []), "training_mode": "scratch", "warm_started_layers": [],
            "trees": int(model.make_inspector().num_trees())}
