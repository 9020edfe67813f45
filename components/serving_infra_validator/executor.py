"""Executor of ServingInfraValidator: start serving/server.py on the model, send real requests."""
import glob
import json
import math
import os
import subprocess
import sys
import tempfile
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


class ServerProcess:
    """The model server in a child process, on a free loopback port."""

    def __init__(self, model_path: str, model_name: str, log_path: str):
        self.base = tempfile.mkdtemp(prefix="adapt-infra-")
        os.symlink(os.path.abspath(model_path), os.path.join(self.base, "1"))
        self.port_file = os.path.join(self.base, "port")
        self.model_name = model_name
        self.log_path = log_path
        self.process = None
        self.port = None

    def __enter__(self):
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "serving.server", "--model-base-path", self.base,
             "--model-name", self.model_name, "--port", "0", "--port-file", self.port_file,
             "--poll-seconds", "3600"],
            stdout=self._log, stderr=subprocess.STDOUT, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
        return self

    def wait_until_available(self, deadline: float) -> float:
        started = time.perf_counter()
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise InfraValidationError(f"model server exited with code {self.process.returncode}: "
                                           f"{self.log_tail()}")
            if self.port is None and os.path.exists(self.port_file):
                self.port = int(open(self.port_file).read())
            if self.port is not None:
                try:
                    health = requests.get(f"{self.url}/healthz", timeout=2)
                except requests.RequestException:
                    health = None
                if health is not None and health.status_code == 200:
                    return time.perf_counter() - started
                if health is not None and "failed to load" in health.json().get("error", ""):
                    raise InfraValidationError(health.json()["error"][:500])
            time.sleep(0.3)
        raise InfraValidationError(f"model server did not become available in time: {self.log_tail()}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 5) -> str:
        self._log.flush()
        with open(self.log_path) as handle:
            return " | ".join(line.strip() for line in handle.readlines()[-lines:])

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log.close()


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
    with ServerProcess(model_path, model_name, log_path) as server:
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
