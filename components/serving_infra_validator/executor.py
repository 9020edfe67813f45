"""Executor of ServingInfraValidator: serving/server.py on the model in a process of its own, real requests."""
import glob
import json
import math
import os
import time
from typing import Any, Dict, List, Tuple

import requests
import tensorflow as tf
from absl import logging
from tfx.dsl.components.base import base_executor
from tfx.dsl.io import fileio
from tfx.types import artifact_utils
from tfx.utils import io_utils, path_utils

from core.contract import read_model_info
from core.data.examples import example_to_instance
from serving import process

BLESSED_FILE = "INFRA_BLESSED"
NOT_BLESSED_FILE = "INFRA_NOT_BLESSED"


class InfraValidationError(RuntimeError):
    pass


def read_eval_examples(examples_artifact, split: str, limit: int) -> List[tf.train.Example]:
    split_uri = artifact_utils.get_split_uri([examples_artifact], split)
    files = sorted(glob.glob(os.path.join(split_uri, "*")))
    if not files:
        raise InfraValidationError(f"no {split} examples under {split_uri}")
    dataset = tf.data.TFRecordDataset(files, compression_type="GZIP").take(limit)
    return [tf.train.Example.FromString(record.numpy()) for record in dataset]


def check_predictions(body: Dict[str, Any], expected: int) -> None:
    predictions = body.get("predictions")
    if not isinstance(predictions, list) or len(predictions) != expected:
        raise InfraValidationError(f"expected {expected} predictions, got {str(body)[:200]}")
    for row in predictions:
        for value in row if isinstance(row, list) else [row]:
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                raise InfraValidationError(f"prediction {value!r} is not a finite number")


def validate(model_path: str, examples: List[tf.train.Example], model_name: str, timeout: int,
             log_path: str) -> Tuple[Dict[str, Any], str]:
    """Returns (measurements, '') when the server answers correctly, else raises InfraValidationError."""
    info = read_model_info(model_path)
    required = info.get("required_features") or []
    # Rows with a gap in a required feature would rightly be refused: requests carry what the contract asks for.
    instances = [instance for instance in (example_to_instance(e, info["raw_features"]) for e in examples)
                 if all(instance.get(name) is not None for name in required)]
    if not instances:
        raise InfraValidationError(f"no eval example carries every required feature ({', '.join(required)})")
    deadline = time.time() + timeout
    server = process.take(model_name)
    try:
        server.serve(model_path)
        load_seconds = server.wait_until_available(deadline)
        started = time.perf_counter()
        reply = requests.post(f"{server.url}/v1/models/{model_name}:predict",
                              json={"instances": instances}, timeout=max(5, deadline - time.time()))
        if reply.status_code != 200:
            raise InfraValidationError(f"predict returned HTTP {reply.status_code}: {reply.text[:200]}")
        check_predictions(reply.json(), len(instances))
        one_by_one = [requests.post(f"{server.url}/v1/models/{model_name}:predict",
                                    json={"instances": [i]}, timeout=10) for i in instances[:3]]
        if any(r.status_code != 200 for r in one_by_one):
            raise InfraValidationError("single-instance requests failed")
        return {"load_seconds": round(load_seconds, 2), "requests": len(instances) + len(one_by_one),
                "predict_seconds": round(time.perf_counter() - started, 3)}, ""
    except process.ServerError as err:
        raise InfraValidationError(str(err)) from None
    finally:
        server.close(keep_log=log_path, wait=False)  # its exit is awaited while the pipeline goes on


class Executor(base_executor.BaseExecutor):

    def Do(self, input_dict, output_dict, exec_properties):
        self._log_startup(input_dict, output_dict, exec_properties)
        model = artifact_utils.get_single_instance(input_dict["model"])
        examples = artifact_utils.get_single_instance(input_dict["examples"])
        blessing = artifact_utils.get_single_instance(output_dict["blessing"])
        model_path = path_utils.serving_model_path(model.uri, path_utils.is_old_model_artifact(model))
        log_path = os.path.join(blessing.uri, "server.log")
        fileio.makedirs(blessing.uri)
        try:
            requests_to_send = read_eval_examples(examples, exec_properties.get("split") or "eval",
                                                  int(exec_properties["num_requests"]))
            measurements, _ = validate(model_path, requests_to_send, exec_properties["model_name"],
                                       int(exec_properties["timeout_seconds"]), log_path)
        except (InfraValidationError, FileNotFoundError, KeyError, requests.RequestException) as err:
            logging.error("Infra validation failed: %s", err)
            blessing.set_int_custom_property("blessed", 0)
            blessing.set_string_custom_property("reason", str(err)[:1000])
            io_utils.write_string_file(os.path.join(blessing.uri, NOT_BLESSED_FILE), str(err))
            return
        blessing.set_int_custom_property("blessed", 1)
        blessing.set_string_custom_property("reason", "loaded and answered {requests} requests".format(**measurements))
        blessing.set_float_custom_property("load_seconds", measurements["load_seconds"])
        io_utils.write_string_file(os.path.join(blessing.uri, BLESSED_FILE), json.dumps(measurements))
