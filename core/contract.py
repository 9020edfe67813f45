"""The model contract: what a model package gives adapt, and what its exported model carries.

A model package (``models.taxi``, ``models.tabular``, or a user's own) is a
Python package whose modules provide:

- ``preprocessing.preprocessing_fn(inputs)`` — Transform's entry point;
- ``model.run_fn(fn_args)`` — Trainer's entry point. It exports a SavedModel
  whose ``serving_default`` signature takes serialized tf.Examples
  (``examples``) and returns ``{"outputs": P(class)}``, and writes the model
  info file (``write_model_info``) beside it.

The exported model's info file (``assets.extra/adapt_model.json``) holds at
least ``label`` and ``raw_features`` ({feature: "int" | "float" | "string"}):
the model server and batch prediction turn JSON requests and CSV rows into
tf.Examples with it.

No TensorFlow at import time: the command line reads these names.
"""
import json
import os
from typing import Any, Dict

MODEL_INFO_FILE = os.path.join("assets.extra", "adapt_model.json")
SIGNATURE_NAME = "serving_default"
SIGNATURE_INPUT = "examples"
OUTPUT_KEY = "outputs"
PREPROCESSING_FN = "preprocessing.preprocessing_fn"
RUN_FN = "model.run_fn"


def read_model_info(model_path: str) -> Dict[str, Any]:
    """The info file of an exported model (local path or gs://...)."""
    from tfx.dsl.io import fileio
    path = os.path.join(model_path, MODEL_INFO_FILE)
    if not fileio.exists(path):
        raise FileNotFoundError(f"{path} is missing: the model was not exported by an adapt model package")
    with fileio.open(path) as handle:
        return json.loads(handle.read())


def write_model_info(serving_model_dir: str, info: Dict[str, Any]) -> None:
    """Writes the info file next to an exported SavedModel (the Trainer's run_fn calls it)."""
    from tfx.dsl.io import fileio
    path = os.path.join(serving_model_dir, MODEL_INFO_FILE)
    fileio.makedirs(os.path.dirname(path))
    with fileio.open(path, "w") as handle:
        handle.write(json.dumps(info, indent=2, sort_keys=True))
