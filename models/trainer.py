"""The body of every adapt package's run_fn: train the kind adapt.yaml asks for, then export it per the contract.

`model.kind` reaches the Trainer as `custom_config["kind"]`: `nn` trains the
wide-and-deep network (models/wide_and_deep.py), `gbt` grows gradient-boosted
trees (models/gradient_boosted.py; grown by YDF on the training rows read once
into memory, models/ydf_forest.py). Either way the SavedModel gets the
contract's signatures and info file (models/export.py). `run_network` is the
same frame for any Keras network (the image package's CNN uses it). Both fit
the model's calibration on the eval split (a regression model's error model,
core/estimation.py); the trees add their training rows answered out of fold
when the eval split is small (models/gradient_boosted.py: out_of_fold_outputs),
and record their learning curve (models/learning_curve.py) for the
gain-of-more-data rule. The trees grow with the hyperparameters `model.tune`
gives them: a search's, or the serving model's choice reused
(models/tree_search.py), recorded in the info file.
"""
import contextlib
import functools
import logging
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf
import tensorflow_transform as tft

from core import faults
from core.contract import transformed_name
from core.hyperparameters import INFO_KEY as HYPERPARAMETERS
from core.label_scale import INFO_KEY as LABEL_SCALE
from core.learning_curve import INFO_KEY as LEARNING_CURVES
from models import export, gradient_boosted, learning_curve, tree_search, wide_and_deep, ydf_forest
from models import label_scale as label_scales


@dataclass
class ModelInputs:
    """Transform's outputs as the model reads them."""

    dense: List[str]                         # numbers (z-scored)
    categories: Dict[str, int]               # id features -> number of ids (buckets, codes, vocabularies)
    unordered: List[str] = field(default_factory=list)  # the id features whose order means nothing (vocabularies)


Inputs = Callable[[tft.TFTransformOutput], ModelInputs]


def run(fn_args, label: str, classes: Sequence[str], inputs: Inputs, regression: bool = False) -> None:
    """The run_fn of a tabular package: the network or the trees, as `model.kind` says; classes, or a number
    (`regression`: no classes; an error model instead of calibration maps)."""
    task = {"task": "regression", "classes": []} if regression else {"task": "classification",
                                                                     "classes": list(classes)}
    if (fn_args.custom_config or {}).get("kind", gradient_boosted.GBT) != gradient_boosted.GBT:
        def network(tf_transform_output: tft.TFTransformOutput) -> tf.keras.Model:
            model_inputs = inputs(tf_transform_output)
            scale = label_scale(fn_args, tf_transform_output, label) if regression else None
            return wide_and_deep.build(model_inputs.dense, model_inputs.categories, classes=len(classes),
                                       target_scale=scale)
        run_network(fn_args, label, classes, network, info=task)
        return
    seed, tf_transform_output = _begin(fn_args)
    train_dataset = export.input_fn(fn_args.train_files, fn_args.data_accessor, tf_transform_output,
                                    gradient_boosted.BATCH_SIZE, transformed_name(label), epochs=1)
    unordered = inputs(tf_transform_output).unordered
    read_rows = _rows_reader(fn_args, tf_transform_output, label)
    scale = label_scales.choose(fn_args, read_rows, unordered, seed) if regression else None
    chosen = tree_search.choose(fn_args, label_scales.scaled_rows(read_rows, scale) if scale else read_rows,
                                unordered, regression, seed)
    hyperparameters = chosen.values if chosen is not None else None
    with _phase("read the training rows"):
        rows = _training_rows(read_rows, fn_args.train_files)
    if rows is not None:   # the forest grows in YDF on the rows in memory (models/ydf_forest.py)
        scaled = _training_rows(label_scales.scaled_rows(read_rows, scale), fn_args.train_files) if scale else rows
        with _phase(f"grew the forest on {len(rows[1]):,} rows"):
            grown = ydf_forest.grow(*scaled, unordered, len(classes), seed=seed, regression=regression,
                                    hyperparameters=hyperparameters)
        model, answer, train_dataset = grown.model, grown.answer, rows
        trained = {**gradient_boosted.training_info(fn_args), **grown.info}
    else:                  # a sparse feature: TF-DF reads the batches
        model = answer = gradient_boosted.build(unordered, len(classes), seed=seed, regression=regression,
                                                hyperparameters=hyperparameters)
        trained = gradient_boosted.train(model, fn_args, label_scales.training_dataset(train_dataset, scale))
    if scale is not None:
        logging.info("Trainer: %s", scale.text())
    predict = label_scales.in_label_units(answer, scale)   # the label's unit, wherever the model answers
    holdout = functools.partial(_holdout, fn_args, tf_transform_output, label, gradient_boosted.BATCH_SIZE)
    with _phase("answered the eval split"):
        outputs, labels = export.holdout_outputs(predict, holdout())
    with _phase("measured the learning curve"):
        curves, outputs, labels, out_of_fold = _curves(unordered, classes, train_dataset, holdout, outputs, labels,
                                                       seed, regression, hyperparameters, scale)
    with _phase("calibrated and exported the model"):
        calibrator = export.calibrate(outputs, labels, regression)
        calibrator.out_of_fold_rows = out_of_fold
        export.export(model, fn_args.serving_model_dir, tf_transform_output, label,
                      {**trained, **task, "kind": gradient_boosted.GBT,
                       LEARNING_CURVES: [curve.to_dict() for curve in curves],
                       **({HYPERPARAMETERS: chosen.to_dict()} if chosen is not None else {}),
                       **({LABEL_SCALE: scale.to_dict()} if scale is not None else {})},
                      predict=predict, calibrator=calibrator)


@contextlib.contextmanager
def _phase(done: str):
    """Logs how long one step of the trees' run_fn took: where a large window's training time goes."""
    started = time.perf_counter()
    yield
    logging.info("Trainer: %s in %.1f s", done, time.perf_counter() - started)


def _curves(unordered, classes, train_dataset, holdout, outputs, labels, seed, regression, hyperparameters, scale):
    """(learning curves, calibration outputs and labels, out-of-fold rows): on the eval split when it is large
    enough, else out of fold on the training rows, whose answers then join the calibration's."""
    out_of_fold, curves = 0, []
    if len(labels) >= gradient_boosted.CROSS_FIT_BELOW:
        curves = learning_curve.on_holdout(unordered, len(classes), train_dataset, holdout(), outputs, labels,
                                           seed=seed, regression=regression, label_scale=scale)
    else:
        more = gradient_boosted.out_of_fold_outputs(unordered, len(classes), train_dataset, seed=seed,
                                                    regression=regression, hyperparameters=hyperparameters,
                                                    label_scale=scale)
        if more is not None:
            curves = learning_curve.out_of_fold(unordered, len(classes), train_dataset, more, seed=seed,
                                                regression=regression, label_scale=scale)
            outputs, labels = ((np.concatenate([outputs, more[0]]), np.concatenate([labels, more[1]]))
                               if len(labels) else more)
            out_of_fold = len(more[1])
    return curves, outputs, labels, out_of_fold


def run_network(fn_args, label: str, classes: Sequence[str],
                network: Callable[[tft.TFTransformOutput], tf.keras.Model], info: Optional[Dict] = None) -> None:
    """The run_fn of any Keras network over Transform's outputs: seeded, trained for the Trainer's steps (and
    warm-started by layer name, models/wide_and_deep.py), exported per the contract with `info` in its info file."""
    _, tf_transform_output = _begin(fn_args)
    label_key = transformed_name(label)
    train_dataset = export.input_fn(fn_args.train_files, fn_args.data_accessor, tf_transform_output,
                                    wide_and_deep.BATCH_SIZE, label_key)
    eval_dataset = export.input_fn(fn_args.eval_files, fn_args.data_accessor, tf_transform_output,
                                   wide_and_deep.BATCH_SIZE, label_key)
    model = network(tf_transform_output)
    trained = wide_and_deep.train(model, fn_args, train_dataset, eval_dataset)
    info = {**trained, "classes": list(classes), "kind": "nn", **(info or {})}
    calibrator = export.calibrate(*export.holdout_outputs(
        model, _holdout(fn_args, tf_transform_output, label, wide_and_deep.BATCH_SIZE)),
        regression=info.get("task") == "regression")
    export.export(model, fn_args.serving_model_dir, tf_transform_output, label, info, calibrator=calibrator)


def label_scale(fn_args, tf_transform_output, label: str) -> Tuple[float, float]:
    """(mean, standard deviation) of a regression label over one pass of the training rows."""
    values = np.concatenate([np.asarray(y, dtype=float).reshape(-1) for _, y in export.input_fn(
        fn_args.train_files, fn_args.data_accessor, tf_transform_output, wide_and_deep.BATCH_SIZE,
        transformed_name(label), epochs=1)] or [np.zeros(1)])
    return float(np.mean(values)), float(np.std(values))


def _rows_reader(fn_args, tf_transform_output, label: str) -> Callable:
    """read(file pattern) -> the training rows as arrays (None when a feature is sparse), each pattern read once
    however many choices (label scale, hyperparameter search) look at it."""
    @functools.lru_cache(maxsize=None)
    def read(pattern: str):
        return gradient_boosted._in_memory(export.input_fn(pattern, fn_args.data_accessor, tf_transform_output,
                                                           gradient_boosted.BATCH_SIZE, transformed_name(label),
                                                           epochs=1))
    return read


def _training_rows(read_rows: Callable, patterns) -> Optional[Tuple[Dict[str, np.ndarray], np.ndarray]]:
    """Every training file pattern's rows as one set of arrays (None when a feature is sparse)."""
    parts = [read_rows(pattern) for pattern in (patterns if isinstance(patterns, (list, tuple)) else [patterns])]
    if not parts or any(part is None for part in parts):
        return None
    return tree_search.joined_rows(parts)


def _holdout(fn_args, tf_transform_output, label: str, batch_size: int):
    """The eval split, once, in order: what the model's calibration is fitted on."""
    return export.input_fn(fn_args.eval_files, fn_args.data_accessor, tf_transform_output, batch_size,
                           transformed_name(label), epochs=1)


def _begin(fn_args):
    """(seed, Transform's output): what every run_fn does first."""
    faults.point("trainer")
    seed = int((fn_args.custom_config or {}).get("seed", 42))
    tf.keras.utils.set_random_seed(seed)
    return seed, tft.TFTransformOutput(fn_args.transform_output)
