"""Executor of BatchPredictionGen."""
import base64
import csv
import itertools
import json
import os
import sys
from typing import Any, Dict, Iterator, List, Optional, Tuple

import apache_beam as beam
import tensorflow as tf
import tqdm
from tfx.dsl.components.base import base_beam_executor
from tfx.dsl.io import fileio
from tfx.types import artifact_utils
from tfx_bsl.public.beam import RunInference
from tfx_bsl.public.proto import model_spec_pb2

from components.artifacts import read_report
from core import versions
from core.contract import OUTPUT_KEY, SIGNATURE_NAME, model_classes, read_calibration, read_model_info
from core.data import tfrecords
from core.data.batch import clean_header, label_text
from core.data.examples import csv_row_to_instance, example_to_instance, feature_values, instance_to_example
from core.data.in_memory import single_process
from core.data.images import IMAGE_FEATURE, check_image
from core.data.predictions import PREDICTIONS_PREFIX, record
from core.errors import AdaptError, BatchError, RequestError

Instance = Tuple[str, Dict[str, Any], Optional[str]]  # (instance id, features, label as its class name)
ROWS_PER_READ = 20_000  # one read covers at most this many rows of a file: the unit Beam hands to a worker
IN_MEMORY_ROWS = 1000  # rows per model call in this process, as RunInference's batches below


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


def csv_instances(entry: Dict[str, Any], raw_types: Dict[str, str], label: str, where: str,
                  rows: Tuple[int, int] = (0, sys.maxsize)) -> Iterator[Instance]:
    """(instance id, features, label text) for the rows [start, stop) of one CSV file, read as a stream."""
    start, stop = rows
    with fileio.open(entry["path"]) as handle:
        reader = csv.reader(handle)
        header = clean_header(next(reader, []))
        label_column = header.index(label) if label in header else None
        row_number = 0
        for row in reader:
            if not row:
                continue  # blank lines are not instances (Batch.instance_ids skips them too)
            if row_number < start:
                row_number += 1
                continue
            if row_number >= stop:
                return
            try:
                features = csv_row_to_instance(header, row, raw_types, f"{where} line {reader.line_num}: ")
            except RequestError as err:
                raise PredictionError(str(err)) from None
            yield (f"{entry['name']}:{row_number}", features,
                   label_text(row[label_column]) if label_column is not None else None)
            row_number += 1


def tfrecord_instances(entry: Dict[str, Any], raw_types: Dict[str, str], label: str, where: str,
                       rows: Tuple[int, int] = (0, sys.maxsize)) -> Iterator[Instance]:
    """(instance id, features, label text) for the tf.Examples [start, stop) of one TFRecord file."""
    start, stop = rows
    for index, example in enumerate(tfrecords.read_examples(entry["path"], where)):
        if index < start:
            continue
        if index >= stop:
            return
        features = example_to_instance(example, raw_types)
        try:  # the types the model declares, checked as a request's would be
            instance_to_example(features, raw_types)
        except RequestError as err:
            raise PredictionError(f"{where} record {index}: {err}") from None
        labels = feature_values(example, label)
        yield f"{entry['name']}:{index}", features, label_text(labels[0]) if labels else None


def image_instances(entry: Dict[str, Any], raw_types: Dict[str, str], label: str, where: str,
                    rows: Tuple[int, int] = (0, sys.maxsize)) -> Iterator[Instance]:
    """The one instance of an image file: its encoded bytes as the model's image feature (labels come from the
    labels file, joined by PerformanceEvaluator)."""
    if IMAGE_FEATURE not in raw_types:
        raise PredictionError(f"{where}: the serving model takes {', '.join(sorted(raw_types))}, not an "
                              f"{IMAGE_FEATURE!r}: an image batch needs an image model (model.module: models.images)")
    with fileio.open(entry["path"], "rb") as handle:
        data = handle.read()
    try:
        check_image(data, where)
    except BatchError as err:
        raise PredictionError(str(err)) from None
    yield entry["name"], {IMAGE_FEATURE: data}, None


def file_instances(entry: Dict[str, Any], data_format: str, raw_types: Dict[str, str], label: str,
                   batch: str, rows: Tuple[int, int] = (0, sys.maxsize)) -> Iterator[Instance]:
    read = {"tfrecord": tfrecord_instances, "files": image_instances}.get(data_format, csv_instances)
    yield from read(entry, raw_types, label, f"batch {batch}: {entry['name']}", rows)


def read_rows(read: Tuple[Dict[str, Any], Tuple[int, int]], data_format: str, raw_types: Dict[str, str],
              label: str, batch: str) -> Iterator[Instance]:
    entry, rows = read
    return file_instances(entry, data_format, raw_types, label, batch, rows)


def row_ranges(files: List[Dict[str, Any]]) -> List[Tuple[Dict[str, Any], Tuple[int, int]]]:
    """(file, (start, stop)) reads of at most ROWS_PER_READ rows each, from FileListGen's counts.

    Beam spreads these small descriptions over its workers, and each worker
    streams its rows straight into prediction and the output shards: no step
    collects the rows (a Reshuffle of the rows themselves would hold the whole
    batch in the direct runner's memory). A file's last read runs to its end,
    so a row the count missed is still predicted, never dropped.
    """
    reads = []
    for entry in files:
        starts = list(range(0, entry["instances"], ROWS_PER_READ)) or [0]
        reads += [(entry, (start, stop)) for start, stop in zip(starts, starts[1:] + [sys.maxsize])]
    return reads


def to_keyed_example(instance: Instance, raw_types: Dict[str, str]) -> Tuple[str, bytes]:
    """The instance as RunInference takes it: a serialized tf.Example (serialized once, here, not again to
    count its bytes), keyed by its id and label, which ride along to the record."""
    instance_id, features, label = instance
    return json.dumps([instance_id, label]), instance_to_example(features, raw_types).SerializeToString()


_progress = None  # this process's bar over the batch's rows: in-process Beam runners update it


def count_row(record: str) -> str:
    if _progress is not None:
        _progress.update(1)
    return record


def to_record(keyed_log, classes: List[str]) -> str:
    key, prediction_log = keyed_log
    instance_id, label = json.loads(key)
    tensor = prediction_log.predict_log.response.outputs[OUTPUT_KEY]
    # One probability (two classes) arrives in float_val; several (more classes) packed in tensor_content.
    output = list(tensor.float_val) if tensor.float_val else tf.make_ndarray(tensor).reshape(-1).tolist()
    return json.dumps(record(instance_id, label, output, classes))


def vertex_instances(instances: Dict[str, Tuple[Dict[str, Any], Optional[str]]], raw_types) -> Dict[str, List[str]]:
    """{base64 tf.Example: [instance ids]}: Vertex echoes each instance back, which is how results are matched."""
    by_payload: Dict[str, List[str]] = {}
    for instance_id, (features, label) in instances.items():
        payload = base64.b64encode(instance_to_example(features, raw_types).SerializeToString()).decode()
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
                              instances: Dict[str, Tuple[Dict[str, Any], Optional[str]]], classes: List[str]
                              ) -> List[str]:
    records = []
    for line in lines:
        result = json.loads(line)
        instance_id = by_payload[result["instance"]["examples"]["b64"]].pop(0)
        prediction = result["prediction"]
        output = prediction.get(OUTPUT_KEY, prediction) if isinstance(prediction, dict) else prediction
        output = output if isinstance(output, list) else [output]
        records.append(json.dumps(record(instance_id, instances[instance_id][1], output, classes)))
    return records


class Executor(base_beam_executor.BaseBeamExecutor):

    def Do(self, input_dict, output_dict, exec_properties):
        listing = read_report(artifact_utils.get_single_instance(input_dict["file_list"]))
        artifact = artifact_utils.get_single_instance(output_dict["predictions"])
        artifact.batch = listing["batch"]
        version, model_path = resolve_model(exec_properties["serving_model_dir"],
                                            int(exec_properties.get("model_version") or 0))
        info = read_model_info(model_path)
        if exec_properties.get("mode", "local") == "vertex":
            self._predict_on_vertex(listing, exec_properties, artifact, info)
        else:
            self._predict_locally(listing, model_path, artifact, info)
        artifact.model_version = version
        artifact.num_predictions = int(listing["num_instances"])
        with fileio.open(os.path.join(artifact.uri, "model.json"), "w") as handle:
            handle.write(json.dumps({"version": version, "path": model_path, "classes": model_classes(info),
                                     "task": info.get("task", "classification"),
                                     "mode": exec_properties.get("mode", "local"),
                                     "calibration": read_calibration(model_path)}))

    def _predict_locally(self, listing, model_path, artifact, info):
        if listing["format"] in ("csv", "tfrecord") and single_process(self._beam_pipeline_args):
            self._predict_in_process(listing, model_path, artifact, info)
        else:
            self._predict_with_beam(listing, model_path, artifact, info)

    @staticmethod
    def _predict_in_process(listing, model_path, artifact, info):
        """Under the direct runner in one process: the same rows, examples, model calls of IN_MEMORY_ROWS and
        records as the Beam path, streamed through this process (a chunk at a time: memory stays flat in the
        batch's size), with the model the step's other components load (serving.model.recent_model). Beam's
        cost per element (PredictionLog protos, keyed JSON, bundles) was most of the step's time."""
        from serving.model import recent_model
        model, raw_types, classes = recent_model(model_path), info["raw_features"], model_classes(info)
        instances = (instance for entry in listing["files"]
                     for instance in file_instances(entry, listing["format"], raw_types, listing["label"],
                                                    listing["batch"]))
        fileio.makedirs(artifact.uri)
        with fileio.open(os.path.join(artifact.uri, f"{PREDICTIONS_PREFIX}-00000-of-00001.jsonl"), "w") as out:
            while True:
                chunk = list(itertools.islice(instances, IN_MEMORY_ROWS))
                if not chunk:
                    break
                try:
                    outputs = model.predict_serialized([instance_to_example(features, raw_types).SerializeToString()
                                                        for _, features, _ in chunk])
                except RequestError as err:
                    raise PredictionError(f"batch {listing['batch']}: {err}") from None
                out.write("".join(json.dumps(record(instance_id, label, output, classes)) + "\n"
                                  for (instance_id, _, label), output in zip(chunk, outputs)))

    def _predict_with_beam(self, listing, model_path, artifact, info):
        """Reads, predicts and writes inside Beam: the driver never holds the batch's rows."""
        global _progress
        spec = model_spec_pb2.InferenceSpecType(
            saved_model_spec=model_spec_pb2.SavedModelSpec(model_path=model_path, signature_name=[SIGNATURE_NAME]),
            # Beam's adaptive batching stayed near 190 rows here (373 model calls for 70k rows); a thousand rows
            # per call is what a hand-written batch script does.
            batch_parameters=model_spec_pb2.BatchParameters(min_batch_size=1000, max_batch_size=1000))
        raw_types = info["raw_features"]
        _progress = tqdm.tqdm(total=int(listing["num_instances"]), desc="    predicting", unit=" rows",
                              file=sys.stderr, disable=None, leave=False)  # None: shown on a terminal only
        with _progress, self._make_beam_pipeline() as pipeline:
            _ = (pipeline
                 | "Reads" >> beam.Create(row_ranges(listing["files"]))
                 | "Read" >> beam.FlatMap(read_rows, listing["format"], raw_types, listing["label"], listing["batch"])
                 # The type hint is how RunInference knows its input is keyed.
                 | "ToExamples" >> beam.Map(to_keyed_example, raw_types).with_output_types(Tuple[str, bytes])
                 | "RunInference" >> RunInference(spec)
                 | "ToRecords" >> beam.Map(to_record, model_classes(info))
                 | "Progress" >> beam.Map(count_row)
                 | "Write" >> beam.io.WriteToText(os.path.join(artifact.uri, PREDICTIONS_PREFIX),
                                                  file_name_suffix=".jsonl"))

    def _predict_on_vertex(self, listing, exec_properties, artifact, info):
        """Submits a Vertex AI batch-prediction job (the batch is read here to build its input file)."""
        from google.cloud import aiplatform
        instances = {instance_id: (features, label) for entry in listing["files"]
                     for instance_id, features, label in file_instances(entry, listing["format"],
                                                                        info["raw_features"], listing["label"],
                                                                        listing["batch"])}
        by_payload = vertex_instances(instances, info["raw_features"])
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
            handle.write("\n".join(vertex_results_to_records(lines, by_payload, instances,
                                                             model_classes(info))) + "\n")
