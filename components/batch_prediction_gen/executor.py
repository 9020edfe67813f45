"""Executor of BatchPredictionGen."""
import base64
import csv
import json
import os
from typing import Any, Dict, Iterator, List, Tuple

import apache_beam as beam
import tensorflow as tf
from tfx.dsl.components.base import base_beam_executor
from tfx.dsl.io import fileio
from tfx.types import artifact_utils
from tfx_bsl.public.beam import RunInference
from tfx_bsl.public.proto import model_spec_pb2

from components.artifacts import read_report
from core import versions
from core.contract import OUTPUT_KEY, SIGNATURE_NAME, read_model_info
from core.data import tfrecords
from core.data.examples import csv_row_to_instance, example_to_instance, instance_to_example
from core.data.predictions import PREDICTIONS_PREFIX, record
from core.errors import AdaptError, RequestError


class PredictionError(AdaptError):
    """The batch or the model cannot produce predictions; the message names the file."""


def resolve_model(serving_model_dir: str, version: int) -> Tuple[int, str]:
    chosen = version or versions.production_version(serving_model_dir)
    if not chosen:
        raise PredictionError(f"no serving model under {serving_model_dir}; train and push one first")
    path = versions.version_path(serving_model_dir, chosen)
    if not fileio.exists(os.path.join(path, "saved_model.pb")):
        raise PredictionError(f"model version {chosen} not found under {serving_model_dir}")
    return chosen, path


def read_instances(listing: Dict[str, Any], raw_types: Dict[str, str]) -> Iterator[Tuple[str, Dict[str, Any]]]:
    """(instance id, {feature: value}) for every instance of a CSV or TFRecord batch, label included."""
    types_with_label = {**raw_types, listing["label"]: "int"}
    read = _tfrecord_instances if listing["format"] == "tfrecord" else _csv_instances
    for entry in listing["files"]:
        yield from read(entry, types_with_label, f"batch {listing['batch']}: {entry['name']}")


def _csv_instances(entry: Dict[str, Any], types: Dict[str, str], where: str):
    with fileio.open(entry["path"]) as handle:
        reader = csv.reader(handle)
        header = next(reader)
        for row_number, row in enumerate(reader):
            try:
                yield f"{entry['name']}:{row_number}", csv_row_to_instance(header, row, types,
                                                                           f"{where} line {reader.line_num}: ")
            except RequestError as err:
                raise PredictionError(str(err)) from None


def _tfrecord_instances(entry: Dict[str, Any], types: Dict[str, str], where: str):
    for index, example in enumerate(tfrecords.read_examples(entry["path"], where)):
        instance = example_to_instance(example, types)
        try:  # the types the model declares, checked as a request's would be
            instance_to_example(instance, types)
        except RequestError as err:
            raise PredictionError(f"{where} record {index}: {err}") from None
        yield f"{entry['name']}:{index}", instance


def to_keyed_example(item, raw_types, label):
    instance_id, instance = item
    features = {k: v for k, v in instance.items() if k != label}
    return instance_id, instance_to_example(features, raw_types)


def to_record(keyed_log, instances: Dict[str, Dict[str, Any]], label: str) -> str:
    instance_id, prediction_log = keyed_log
    tensor = prediction_log.predict_log.response.outputs[OUTPUT_KEY]
    return record(instance_id, instances[instance_id], float(tf.make_ndarray(tensor).reshape(-1)[0]), label)


def vertex_instances(instances: Dict[str, Dict[str, Any]], raw_types, label) -> Dict[str, List[str]]:
    """{base64 tf.Example: [instance ids]}: Vertex echoes each instance back, which is how results are matched."""
    by_payload: Dict[str, List[str]] = {}
    for instance_id, instance in instances.items():
        payload = base64.b64encode(to_keyed_example((instance_id, instance), raw_types, label)[1]
                                   .SerializeToString()).decode()
        by_payload.setdefault(payload, []).append(instance_id)
    return by_payload


def vertex_batch_request(listing: Dict[str, Any], exec_properties: Dict[str, Any], input_uri: str,
                         output_uri: str) -> Dict:
    """Arguments of aiplatform.Model.batch_predict for this batch."""
    if not output_uri.startswith("gs://"):
        raise PredictionError("vertex batch prediction needs the pipeline root on gs://")
    if not exec_properties.get("vertex_model"):
        raise PredictionError("prediction.vertex_model is empty; name the Vertex AI model resource")
    return {"job_display_name": f"adapt-{listing['batch']}", "gcs_source": [input_uri],
            "instances_format": "jsonl", "predictions_format": "jsonl",
            "gcs_destination_prefix": output_uri, "machine_type": exec_properties.get("vertex_machine_type"),
            "sync": True}


def vertex_results_to_records(lines: List[str], by_payload: Dict[str, List[str]],
                              instances: Dict[str, Dict[str, Any]], label: str) -> List[str]:
    records = []
    for line in lines:
        result = json.loads(line)
        instance_id = by_payload[result["instance"]["examples"]["b64"]].pop(0)
        prediction = result["prediction"]
        score = prediction.get(OUTPUT_KEY, prediction) if isinstance(prediction, dict) else prediction
        score = score[0] if isinstance(score, list) else score
        records.append(record(instance_id, instances[instance_id], float(score), label))
    return records


class Executor(base_beam_executor.BaseBeamExecutor):

    def Do(self, input_dict, output_dict, exec_properties):
        listing = read_report(artifact_utils.get_single_instance(input_dict["file_list"]))
        artifact = artifact_utils.get_single_instance(output_dict["predictions"])
        artifact.batch = listing["batch"]
        if listing["format"] not in ("csv", "tfrecord"):
            raise PredictionError(f"batch {listing['batch']}: BatchPredictionGen reads CSV and TFRecord batches; "
                                  f"a {listing['format']} batch needs a model module with its own reader")
        version, model_path = resolve_model(exec_properties["serving_model_dir"],
                                            int(exec_properties.get("model_version") or 0))
        raw_types = read_model_info(model_path)["raw_features"]
        label = listing["label"]
        instances = dict(read_instances(listing, raw_types))
        if exec_properties.get("mode", "local") == "vertex":
            self._predict_on_vertex(listing, exec_properties, artifact, instances, raw_types, label)
        else:
            self._predict_locally(model_path, artifact, instances, raw_types, label)
        artifact.model_version = version
        artifact.num_predictions = len(instances)
        with fileio.open(os.path.join(artifact.uri, "model.json"), "w") as handle:
            handle.write(json.dumps({"version": version, "path": model_path,
                                     "mode": exec_properties.get("mode", "local")}))

    def _predict_locally(self, model_path, artifact, instances, raw_types, label):
        spec = model_spec_pb2.InferenceSpecType(saved_model_spec=model_spec_pb2.SavedModelSpec(
            model_path=model_path, signature_name=[SIGNATURE_NAME]))
        with self._make_beam_pipeline() as pipeline:
            _ = (pipeline
                 | "Instances" >> beam.Create(sorted(instances.items()))
                 # The type hint is how RunInference knows its input is keyed.
                 | "ToExamples" >> beam.Map(to_keyed_example, raw_types, label).with_output_types(
                     Tuple[str, tf.train.Example])
                 | "RunInference" >> RunInference(spec)
                 | "ToRecords" >> beam.Map(to_record, instances, label)
                 | "Write" >> beam.io.WriteToText(os.path.join(artifact.uri, PREDICTIONS_PREFIX),
                                                  file_name_suffix=".jsonl"))

    def _predict_on_vertex(self, listing, exec_properties, artifact, instances, raw_types, label):
        from google.cloud import aiplatform
        by_payload = vertex_instances(instances, raw_types, label)
        input_uri = os.path.join(artifact.uri, "vertex-input", "instances.jsonl")
        request = vertex_batch_request(listing, exec_properties, input_uri, os.path.join(artifact.uri, "vertex"))
        fileio.makedirs(os.path.dirname(input_uri))
        with fileio.open(input_uri, "w") as handle:
            for payload, ids in by_payload.items():
                handle.write("".join(json.dumps({"examples": {"b64": payload}}) + "\n" for _ in ids))
        aiplatform.init(project=exec_properties.get("vertex_project") or None,
                        location=exec_properties.get("vertex_region") or None)
        job = aiplatform.Model(exec_properties["vertex_model"]).batch_predict(**request)
        lines = []
        for path in fileio.glob(os.path.join(job.output_info.gcs_output_directory, "prediction.results-*")):
            with fileio.open(path) as handle:
                lines += [line for line in handle.read().splitlines() if line.strip()]
        with fileio.open(os.path.join(artifact.uri, f"{PREDICTIONS_PREFIX}-vertex.jsonl"), "w") as handle:
            handle.write("\n".join(vertex_results_to_records(lines, by_payload, instances, label)) + "\n")
