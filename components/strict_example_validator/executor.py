"""Executor of StrictExampleValidator: ExampleValidator, then fail loudly on anomalies."""
from typing import List

from tensorflow_metadata.proto.v0 import anomalies_pb2
from tfx.components.example_validator import executor as example_validator_executor
from tfx.types import artifact_utils
from tfx.utils import io_utils

from core.errors import DataValidationError

ANOMALIES_FILE = "SchemaDiff.pb"


def describe_anomalies(anomalies: anomalies_pb2.Anomalies) -> List[str]:
    problems = []
    for feature, info in sorted(anomalies.anomaly_info.items()):
        reasons = "; ".join(reason.description or anomalies_pb2.AnomalyInfo.Type.Name(reason.type)
                            for reason in info.reason) or info.description
        problems.append(f"{feature}: {reasons}")
    if anomalies.HasField("dataset_anomaly_info"):
        info = anomalies.dataset_anomaly_info
        problems.append("dataset: " + ("; ".join(r.description for r in info.reason) or info.description))
    return problems


class Executor(example_validator_executor.Executor):

    def Do(self, input_dict, output_dict, exec_properties):
        super().Do(input_dict, output_dict, exec_properties)
        artifact = artifact_utils.get_single_instance(output_dict["anomalies"])
        found = []
        for split in artifact_utils.decode_split_names(artifact.split_names):
            path = io_utils.get_only_uri_in_dir(artifact_utils.get_split_uri([artifact], split))
            anomalies = anomalies_pb2.Anomalies()
            anomalies.ParseFromString(io_utils.read_bytes_file(path))
            found += [f"[{split}] {problem}" for problem in describe_anomalies(anomalies)]
        if found:
            # Statistics artifacts carry no span number; the runner, which knows it, names the span.
            raise DataValidationError("the data violates the schema: " + " | ".join(found))
