"""A loaded model version: its serving signature and its feature types."""
from __future__ import annotations

import atexit
import gc
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Sequence

import tensorflow as tf

from core.contract import OUTPUT_KEY, SIGNATURE_INPUT, SIGNATURE_NAME, load_custom_ops, read_model_info
from core.data.examples import instance_to_example
from core.errors import RequestError


@dataclass
class LoadedModel:
    version: int
    path: str
    info: Dict[str, Any]
    signature: Any = field(repr=False)
    loaded_at: float = field(default_factory=time.time)
    load_seconds: float = 0.0
    _keep_alive: Any = field(default=None, repr=False)
    batcher: Any = field(default=None, repr=False, compare=False)  # the server's (serving/batching.py), made on use

    @classmethod
    def load(cls, path: str, version: int) -> "LoadedModel":
        started = time.perf_counter()
        info = read_model_info(path)
        load_custom_ops(info)
        saved_model = tf.saved_model.load(path)
        signature = saved_model.signatures[SIGNATURE_NAME]
        model = cls(version=version, path=path, info=info, signature=signature, _keep_alive=saved_model)
        try:
            model.predict_serialized([b""])  # warm up: the first call traces and allocates
        except RequestError:
            pass  # a model that needs a feature (an image to decode) rejects the empty example, traced all the same
        model.load_seconds = time.perf_counter() - started
        return model

    @property
    def raw_types(self) -> Mapping[str, str]:
        return self.info["raw_features"]

    @property
    def required(self) -> List[str]:
        return list(self.info.get("required_features") or [])

    def to_examples(self, instances: Sequence[Mapping[str, Any]], require: bool = True) -> List[bytes]:
        """tf.Examples of request instances: objects of feature values, or, for a model whose info names a
        `binary_input` (an image model), TF Serving's bare `{"b64": ...}`, the value of that feature.
        `require=False` scores a batch's row as batch prediction does, a missing required value as missing: the
        data contract lets a column filled in the first span have gaps later; only a request must be whole."""
        label = self.info.get("label")
        binary = self.info.get("binary_input")
        serialized = []
        for index, instance in enumerate(instances):
            if binary and isinstance(instance, Mapping) and set(instance) == {"b64"}:
                instance = {binary: instance}
            try:
                missing = [name for name in (self.required if require else ())
                           if isinstance(instance, Mapping) and instance.get(name) is None]
                if missing:
                    raise RequestError(f"missing required feature{'s' if len(missing) > 1 else ''} "
                                       f"{', '.join(repr(m) for m in missing)}")
                serialized.append(instance_to_example(instance, self.raw_types, ignore=[label]).SerializeToString())
            except RequestError as err:
                raise RequestError(f"instance {index}: {err}") from None
        return serialized

    def predict_serialized(self, serialized: Sequence[bytes]) -> List[List[float]]:
        """One output row per example: [P(second class)] for a binary model, the class probabilities otherwise."""
        try:
            outputs = self.signature(**{SIGNATURE_INPUT: tf.constant(list(serialized), dtype=tf.string)})
        except tf.errors.InvalidArgumentError as err:  # the request, not the server, is at fault
            raise RequestError(f"the model rejected the input: {tf_error_reason(err.message)}") from None
        output = outputs[OUTPUT_KEY] if OUTPUT_KEY in outputs else next(iter(outputs.values()))
        return output.numpy().reshape(len(serialized), -1).astype(float).tolist()

    def predict(self, instances: Sequence[Mapping[str, Any]], require: bool = True) -> List[List[float]]:
        return self.predict_serialized(self.to_examples(instances, require))


def tf_error_reason(message: str) -> str:
    """The line of a TensorFlow error that says what was wrong, not where (graph errors start with boilerplate)."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    boilerplate = ("Graph execution error", "Detected at node", "<stack traces", "[[", "File ")
    reasons = [line for line in lines if not line.startswith(boilerplate)]
    return (reasons or lines or ["unknown error"])[0]


_load_lock = threading.Lock()


def load_model(path: str, version: int) -> LoadedModel:
    """Loads one version at a time: TF graph building is not worth racing."""
    with _load_lock:
        return LoadedModel.load(path, version)


RECENT_MODELS = 4
_recent: "OrderedDict[tuple, LoadedModel]" = OrderedDict()


@atexit.register
def _forget_recent_models() -> None:
    """Frees them while TensorFlow is whole: deleted at interpreter exit, their functions print TypeErrors."""
    _recent.clear()
    gc.collect()


def recent_model(path: str) -> LoadedModel:
    """The model at `path` for a pipeline step, loaded once for the steps after it in this process (the last
    RECENT_MODELS kept). A model folder is written once (a Trainer's output, a pushed version); a replay's
    training loads its candidate for FeatureImportance and again for the Evaluator's paired test, and the
    serving model at every step. A folder written again since it was loaded is loaded again."""
    saved = os.path.join(path, "saved_model.pb")
    key = (os.path.realpath(path), os.stat(saved).st_mtime_ns if os.path.exists(saved) else None)
    with _load_lock:
        if key in _recent:
            _recent.move_to_end(key)
            return _recent[key]
        model = LoadedModel.load(path, 0)
        _recent[key] = model
        while len(_recent) > RECENT_MODELS:
            _recent.popitem(last=False)
        return model
