"""The body of every adapt package's run_fn: train the kind adapt.yaml asks for, then export it per the contract.

`model.kind` reaches the Trainer as `custom_config["kind"]`: `nn` trains the
wide-and-deep network (models/wide_and_deep.py), `gbt` grows gradient-boosted
trees (models/gradient_boosted.py). Either way the SavedModel gets the
contract's signatures and info file (models/export.py).
"""
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Sequence

import tensorflow as tf
import tensorflow_transform as tft

from core import faults
from core.contract import transformed_name
from models import export, gradient_boosted, wide_and_deep


@dataclass
class ModelInputs:
    """Transform's outputs as the model reads them."""

    dense: List[str]                         # numbers (z-scored)
    categories: Dict[str, int]               # id features -> number of ids (buckets, codes, vocabularies)
    unordered: List[str] = field(default_factory=list)  # the id features whose order means nothing (vocabularies)


Inputs = Callable[[tft.TFTransformOutput], ModelInputs]


def run(fn_args, label: str, classes: Sequence[str], inputs: Inputs) -> None:
    faults.point("trainer")
    custom = fn_args.custom_config or {}
    kind = custom.get("kind", gradient_boosted.GBT)
    tf.keras.utils.set_random_seed(int(custom.get("seed", 42)))
    tf_transform_output = tft.TFTransformOutput(fn_args.transform_output)
    label_key = transformed_name(label)
    model_inputs = inputs(tf_transform_output)
    if kind == gradient_boosted.GBT:
        train_dataset = export.input_fn(fn_args.train_files, fn_args.data_accessor, tf_transform_output,
                                        gradient_boosted.BATCH_SIZE, label_key, epochs=1)
        model = gradient_boosted.build(model_inputs.unordered, len(classes), seed=int(custom.get("seed", 42)))
        trained = gradient_boosted.train(model, fn_args, train_dataset)
    else:
        train_dataset = export.input_fn(fn_args.train_files, fn_args.data_accessor, tf_transform_output,
                                        wide_and_deep.BATCH_SIZE, label_key)
        eval_dataset = export.input_fn(fn_args.eval_files, fn_args.data_accessor, tf_transform_output,
                                       wide_and_deep.BATCH_SIZE, label_key)
        model = wide_and_deep.build(model_inputs.dense, model_inputs.categories, classes=len(classes))
        trained = wide_and_deep.train(model, fn_args, train_dataset, eval_dataset)
    export.export(model, fn_args.serving_model_dir, tf_transform_output, label,
                  {**trained, "classes": list(classes), "kind": kind})
