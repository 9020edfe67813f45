"""The Trainer's forest grown by YDF on the rows in memory, served by TF-DF's inference model (issue 52).

TF-DF's GradientBoostedTreesModel.fit bundles an older YDF: on the scale benchmark's window (320,000 training
rows, 20 columns, 2 cores) it took 90 s to grow the forest after 10 s of feeding it rows batch by batch, where YDF
0.9 grows the same learner's forest on the same rows, already in memory for the learning curve, in about 45 s.
So the forest grows in YDF (core/trees.py: the learner and settings every forest of adapt shares) on the
training rows in one order (gradient_boosted._in_one_order: the same forest whatever order TFX read the files in),
and TF-DF's InferenceCoreModel, built from YDF's saved model as tfdf.keras.yggdrasil_model_to_keras_model builds
it, answers in the SavedModel: the same custom ops, so TFMA, infra validation, batch prediction and the model
server load it as before.

YDF takes categories as text (gradient_boosted.ydf_columns), so `answer` turns Transform's vocabulary ids into
their digits (a negative id, missing, into ''), numbers into float32, and lays the answers out as the TF-DF model's
(one probability for 2 classes, one per class index for more, in the class indices' order however YDF ordered
the classes it saw), all inside the serving graph.
"""
import os
import tempfile
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Mapping, Optional, Sequence

import numpy as np
import tensorflow as tf

from core.trees import IMPORTANCE, ydf_learner
from models import gradient_boosted


@dataclass
class GrownForest:
    model: Any                    # TF-DF's InferenceCoreModel: what the SavedModel saves
    inputs: Sequence[str]         # the features it was grown on
    categorical: Sequence[str]    # those given to it as text
    seen: Sequence[int]           # class indices in the order the forest answers them (empty: regression)
    classes: int
    info: Dict[str, Any]          # what the model info file records of the forest
    folder: Any                   # the YDF model's temporary folder, kept until the SavedModel is written

    def answer(self, features: Mapping[str, tf.Tensor]) -> tf.Tensor:
        """The forest's outputs for Transform's features, in the TF-DF model's layout."""
        inputs = {}
        for name in self.inputs:
            values = tf.reshape(features[name], [-1])
            inputs[name] = (tf.where(values < 0, "", tf.strings.as_string(values)) if name in self.categorical
                            else tf.cast(values, tf.float32))
        raw = self.model(inputs)
        width = max(self.classes, 2)
        if not self.seen or list(self.seen) == list(range(width)):
            return raw
        by_class = raw if len(self.seen) > 2 else tf.concat([1 - raw, raw], axis=1)
        placed = np.zeros((len(self.seen), width), dtype=np.float32)
        placed[np.arange(len(self.seen)), list(self.seen)] = 1.0
        full = tf.matmul(by_class, tf.constant(placed))
        return full[:, 1:2] if self.classes <= 2 else full


def grow(features: Dict[str, np.ndarray], labels: np.ndarray, unordered: Iterable[str], classes: int,
         seed: int = 42, regression: bool = False, hyperparameters: Optional[Mapping[str, Any]] = None
         ) -> GrownForest:
    """The Trainer's forest on these rows (labels on the scale it trains on), ready to export."""
    import tensorflow_decision_forests as tfdf
    from tensorflow_decision_forests.keras import core_inference
    if regression and not np.all(np.isfinite(labels)):
        raise ValueError("model.label_scale log: a label at or below -1 has no log1p; set model.label_scale: "
                         "identity")
    features, labels = gradient_boosted._in_one_order(features, labels)
    columns = gradient_boosted.ydf_columns(features, set(unordered))
    categorical = sorted(set(unordered) & set(columns))
    learner = ydf_learner(gradient_boosted._LABEL, categorical, regression, seed, hyperparameters)
    forest = learner.train({**columns, gradient_boosted._LABEL: labels}, verbose=0)
    folder = tempfile.TemporaryDirectory(prefix="adapt-forest-")
    path = os.path.join(folder.name, "ydf")
    forest.save(path)
    inspector = tfdf.inspector.make_inspector(path)
    task = inspector.objective().task
    model = core_inference.InferenceCoreModel(task=task, verbose=0)
    model._set_from_yggdrasil_model(inspector, path)   # as tfdf.keras.yggdrasil_model_to_keras_model does
    seen = [] if regression else [int(name) for name in forest.label_classes()]
    info = {"trees": int(inspector.num_trees()), "importances": gradient_boosted.importances(inspector),
            "importance_method": f"TF-DF {IMPORTANCE}"}
    return GrownForest(model, sorted(columns), categorical, seen, classes, info, folder)
