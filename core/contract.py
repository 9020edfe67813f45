"""The model contract: what a model package gives adapt, and what its exported model carries.

A model package is a Python package — ``models.taxi``, ``models.tabular``, or
a user's own, named in adapt.yaml as ``model.module`` by dotted name or by
folder path (``./my_model``) — with two modules:

- ``preprocessing.py``: ``preprocessing_fn(inputs)`` or ``preprocessing_fn(inputs, custom_config)``,
  Transform's entry point. Every output the model reads, and the label as a
  class index under ``<label>_xf`` (for ``task: regression`` its value, a float);
- ``model.py``: ``run_fn(fn_args)``, the Trainer's entry point. Its
  ``fn_args.train_files`` and ``eval_files`` are the window's raw tf.Examples:
  Transform writes only its graph (``fn_args.transform_output``), which the
  run_fn applies as it reads (``models.export.input_fn`` does both). It exports a
  SavedModel whose ``serving_default`` signature takes serialized
  tf.Examples (``examples``) and returns ``{"outputs": probabilities}``
  ([N, 1] = P(second class) for two classes, [N, classes] otherwise; for
  ``task: regression`` [N, 1] = the predicted value in the label's unit), and
  whose ``transform_features`` signature returns the Transform outputs; and it
  writes the model info file beside it (``write_model_info``) with at least
  ``label``, ``classes`` (empty for regression), ``task`` and ``raw_features`` ({feature: "int" | "float" |
  "string"}), which turn JSON requests and CSV rows into tf.Examples; and,
  optionally, ``importances`` ({raw feature: weight}: how much the model relies
  on each, which decides which drift retrains; without them FeatureImportance
  measures permutation importance on the holdout), and ``calibration``
  (``Calibrator.summary()``, core/estimation.py).
  Optionally, beside the info file, the calibration file
  (``write_calibration``): the maps from the model's raw probabilities to
  calibrated ones, fitted on the holdout, by which batch evaluation estimates
  accuracy before labels arrive. Without it the raw probabilities are used,
  and reports say so.
  ``models/export.py`` does all of this for Keras models.

Its ``__init__.py`` may declare, as module constants (adapt.yaml's ``model``
keys, when set, win; lists are joined):

    LABEL = "churned"                 # model.label
    CLASSES = ["no", "yes"]           # model.classes; default ["0", "1"]
    TASK = "regression"               # model.task; default classification
    SLICES = ["region"]               # model.slices: Evaluator slices
    DRIFT_EXCLUDE = ["signup_time"]   # + drift.exclude: features drift never compares
    OPEN_DOMAIN_FEATURES = []         # + validation.open_domain_features: categories that keep growing
    SPAN_FORMAT = "tfrecord"          # spans it trains on: "csv" (default) or tf.Example "tfrecord" (images)

Transform and Trainer receive ``custom_config`` with ``label``, ``classes``, ``task``,
``features`` (model.features), ``kind`` (model.kind), and, for the Trainer,
the ``spans`` and ``training_mode`` of the run. Importing this module imports
no TensorFlow; `load_model_package` imports the package's ``__init__`` only.
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from core.errors import ConfigError

MODEL_INFO_FILE = os.path.join("assets.extra", "adapt_model.json")
CALIBRATION_FILE = os.path.join("assets.extra", "calibration.json")
SIGNATURE_NAME = "serving_default"
TRANSFORM_SIGNATURE = "transform_features"
SIGNATURE_INPUT = "examples"
INT64_MIN, INT64_MAX = -2 ** 63, 2 ** 63 - 1  # an int feature's values: a tf.Example holds 64-bit integers
OUTPUT_KEY = "outputs"
DEFAULT_CLASSES = ["0", "1"]
MODEL_KINDS = ("nn", "gbt")
CLASSIFICATION, REGRESSION = "classification", "regression"
TASKS = (CLASSIFICATION, REGRESSION)
# Kinds whose SavedModels use custom TensorFlow ops, and the package that registers them when imported.
# (TFX-BSL's RunInference and TFMA import it themselves; adapt's model server asks `load_custom_ops`.)
CUSTOM_OPS = {"gbt": "tensorflow_decision_forests"}


TRANSFORMED_SUFFIX = "_xf"


def transformed_name(key: str) -> str:
    """The name Transform gives a feature (and the label) in adapt's packages."""
    return f"{key}{TRANSFORMED_SUFFIX}"


def raw_name(transformed: str) -> str:
    """The raw feature a Transform output of adapt's packages comes from."""
    return transformed[:-len(TRANSFORMED_SUFFIX)] if transformed.endswith(TRANSFORMED_SUFFIX) else transformed


@dataclass(frozen=True)
class ModelPackage:
    """A model package as one run uses it: its code, and what it and adapt.yaml say about the data."""

    module: str                                     # importable dotted name
    label: str
    classes: List[str] = field(default_factory=lambda: list(DEFAULT_CLASSES))
    slices: List[str] = field(default_factory=list)
    drift_exclude: List[str] = field(default_factory=list)
    open_domain_features: List[str] = field(default_factory=list)
    features: Dict[str, str] = field(default_factory=dict)
    kind: str = "gbt"
    path: str = ""                                  # the folder a folder-path package was loaded from
    span_format: str = "csv"                        # csv: CsvExampleGen reads spans; tfrecord: ImportExampleGen
    task: str = CLASSIFICATION

    @property
    def preprocessing_fn(self) -> str:
        return f"{self.module}.preprocessing.preprocessing_fn"

    @property
    def run_fn(self) -> str:
        return f"{self.module}.model.run_fn"

    @property
    def binary(self) -> bool:
        return not self.regression and len(self.classes) == 2

    @property
    def regression(self) -> bool:
        return self.task == REGRESSION

    @property
    def eval_label_key(self) -> str:
        return transformed_name(self.label)

    def custom_config(self) -> Dict[str, Any]:
        return {"label": self.label, "classes": [] if self.regression else list(self.classes),
                "features": dict(self.features), "kind": self.kind, "task": self.task}


def _import_path(module: str, base_dir: Optional[Path]) -> tuple:
    """(dotted name, folder) for `model.module`: a dotted name as is, a folder path made importable."""
    looks_like_path = "/" in module or module.startswith(".") or module.endswith(os.sep)
    if not looks_like_path:
        return module, ""
    folder = Path(module).expanduser()
    if not folder.is_absolute():
        folder = (base_dir or Path.cwd()) / folder
    folder = folder.resolve()
    if not (folder / "__init__.py").is_file():
        raise ConfigError(f"model.module: {folder} is not a Python package (no __init__.py)")
    parent = str(folder.parent)
    if parent not in sys.path:
        sys.path.insert(0, parent)
    # Child processes (training, model server, Beam workers) import it the same way.
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if parent not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([parent] + paths)
    return folder.name, str(folder)


def load_model_package(model: Any, drift_exclude=(), open_domain_features=(),
                       base_dir: Optional[Path] = None) -> ModelPackage:
    """The package `model.module` names, with adapt.yaml's `model` settings applied.

    `model` is the configuration's model section (or any object with its
    attributes); relative folder paths are resolved against `base_dir`, the
    workspace holding adapt.yaml.
    """
    name, folder = _import_path(model.module, base_dir)
    try:
        package = importlib.import_module(name)
    except ImportError as err:
        raise ConfigError(f"model.module: cannot import {model.module!r} ({err})") from None
    for part in ("preprocessing", "model"):
        if importlib.util.find_spec(f"{name}.{part}") is None:
            raise ConfigError(f"model.module: {model.module!r} has no {part}.py "
                              f"(a model package needs preprocessing.py and model.py)")
    label = model.label or getattr(package, "LABEL", "")
    if not label:
        raise ConfigError(f"model.label: not set, and {model.module!r} declares no LABEL "
                          f"(run `adapt init --data PATH --label COLUMN`, or set model.label)")
    task = getattr(model, "task", "") or getattr(package, "TASK", CLASSIFICATION)
    if task not in TASKS:
        raise ConfigError(f"model.task: {task!r} is neither {' nor '.join(TASKS)}")
    classes = [] if task == REGRESSION else [
        str(c) for c in (model.classes or getattr(package, "CLASSES", None) or DEFAULT_CLASSES)]
    return ModelPackage(
        module=name, label=label, classes=classes,
        slices=list(model.slices or getattr(package, "SLICES", [])),
        drift_exclude=sorted(set(drift_exclude) | set(getattr(package, "DRIFT_EXCLUDE", []))),
        open_domain_features=sorted(set(open_domain_features) | set(getattr(package, "OPEN_DOMAIN_FEATURES", []))),
        features=dict(model.features), kind=model.kind, path=folder,
        span_format=getattr(package, "SPAN_FORMAT", "csv"), task=task)


def _read_json(path: str) -> Dict[str, Any]:
    from tfx.dsl.io import fileio
    with fileio.open(path) as handle:
        return json.loads(handle.read())


def _write_json(path: str, data: Dict[str, Any]) -> None:
    from tfx.dsl.io import fileio
    fileio.makedirs(os.path.dirname(path))
    with fileio.open(path, "w") as handle:
        handle.write(json.dumps(data, indent=2, sort_keys=True))


def read_model_info(model_path: str) -> Dict[str, Any]:
    """The info file of an exported model (local path or gs://...)."""
    from tfx.dsl.io import fileio
    path = os.path.join(model_path, MODEL_INFO_FILE)
    if not fileio.exists(path):
        raise FileNotFoundError(f"{path} is missing: the model was not exported by an adapt model package")
    return _read_json(path)


def write_model_info(serving_model_dir: str, info: Dict[str, Any]) -> None:
    """Writes the info file next to an exported SavedModel (the Trainer's run_fn calls it)."""
    _write_json(os.path.join(serving_model_dir, MODEL_INFO_FILE), info)


def read_calibration(model_path: str) -> Optional[Dict[str, Any]]:
    """The calibration file of an exported model (`Calibrator.to_dict()`), None when it has none."""
    from tfx.dsl.io import fileio
    path = os.path.join(model_path, CALIBRATION_FILE)
    return _read_json(path) if fileio.exists(path) else None


def write_calibration(serving_model_dir: str, calibration: Dict[str, Any]) -> None:
    _write_json(os.path.join(serving_model_dir, CALIBRATION_FILE), calibration)


def load_custom_ops(info: Dict[str, Any]) -> None:
    """Registers the custom ops a model of this kind needs before its SavedModel is loaded."""
    package = CUSTOM_OPS.get(info.get("kind", "nn"))
    if package:
        importlib.import_module(package)


def model_classes(info: Dict[str, Any]) -> List[str]:
    """The classes a model predicts, from its info file (models exported before classes were recorded: 0/1;
    a regression model: none)."""
    if is_regression(info):
        return []
    return [str(c) for c in info.get("classes") or DEFAULT_CLASSES]


def is_regression(info: Dict[str, Any]) -> bool:
    """Whether a model's info file says it predicts a number (models exported before tasks were recorded classify)."""
    return info.get("task") == REGRESSION
