"""Every custom artifact type imports by its type name, as TFX's Kubeflow V2 entrypoint imports it."""
import yaml
from tfx.orchestration.kubeflow.v2 import compiler_utils
from tfx.orchestration.kubeflow.v2.container import kubeflow_v2_entrypoint_utils
from tfx.types.channel import Channel
from tfx.utils import import_utils

from components import artifacts


def test_each_artifact_type_imports_by_the_title_the_compiled_spec_carries():
    types = artifacts.ReportArtifact.__subclasses__()
    assert len(types) == 7
    for artifact_type in types:
        title = yaml.safe_load(compiler_utils.get_artifact_schema(artifact_type))["title"]
        assert title == artifact_type.TYPE_NAME
        schema = compiler_utils.build_output_artifact_spec(Channel(type=artifact_type)).artifact_type
        path = kubeflow_v2_entrypoint_utils._retrieve_class_path(schema)
        assert import_utils.import_class_by_path(path) is artifact_type, path
