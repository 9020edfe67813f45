"""A stand-in for a Kubeflow Pipelines backend, for tests: runs a compiled KFP v2 pipeline spec task by task.

What it does as a KFP backend would:
- orders root.dag.tasks by their dependencies (dependentTasks and the producers of their input artifacts);
- builds each task's ExecutorInput (parameters from constants and pipeline parameters, input artifacts from
  the producers' ExecutorOutput, output artifact URIs under the pipeline root), with kfp 2.5's `kfp.local`
  helpers for the artifact lists and the placeholders;
- runs the container's command as a subprocess, with the placeholders (`{{$}}`) replaced, after the
  container's `lifecycle.preCacheCheck` command when it has one (TFX's driver of file-based ExampleGen);
- reads the ExecutorOutput the task wrote to outputs.outputFile, and records its artifacts (with their
  metadata) in an artifact store that outlives one run, as the backend's ML Metadata would;
- answers the spec's `resolver` tasks (outputArtifactQueries) from that store: the filters TFX's
  LatestBlessedModelStrategy compiles to (schema_title, state, metadata.K.number_value, name, with
  `{{$.inputs.artifacts[...].metadata[...]}}` resolved from the resolver's own inputs).

What it does not reproduce, and so does not test: the container image (tasks run in this virtualenv, with
`python` on PATH and the image's environment variables), caching (`cachingOptions`: every task runs),
retries, resource requests and parallel branches (tasks run one at a time).
"""
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

from google.protobuf import json_format, struct_pb2
from kfp.local import executor_input_utils, executor_output_utils, placeholder_utils
from kfp.pipeline_spec import pipeline_spec_pb2

# The image's environment (Dockerfile's ENV lines) that a task needs here too.
IMAGE_ENV = {"TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
INPUT_METADATA = re.compile(r"\{\{\$\.inputs\.artifacts\['([^']+)'\]\.metadata\['([^']+)'\]\}\}")


class TaskFailed(RuntimeError):
    """A task's command exited non-zero (the message ends with the tail of its log)."""


@dataclass
class StoredArtifact:
    name: str
    schema_title: str
    artifact: pipeline_spec_pb2.RuntimeArtifact
    created: int


@dataclass
class RunResult:
    run_name: str
    root: str
    outputs: Dict[str, Dict[str, List[pipeline_spec_pb2.RuntimeArtifact]]] = field(default_factory=dict)
    seconds: Dict[str, float] = field(default_factory=dict)

    def artifact(self, task: str, key: str) -> pipeline_spec_pb2.RuntimeArtifact:
        found = self.outputs[task][key]
        assert len(found) == 1, (task, key, found)
        return found[0]

    def metadata(self, task: str, key: str) -> Dict[str, Any]:
        return json_format.MessageToDict(self.artifact(task, key).metadata)


def load_pipeline_spec(path: str) -> pipeline_spec_pb2.PipelineSpec:
    """A compiled file's PipelineSpec: KFP's document, or the one inside Vertex's PipelineJob."""
    with open(path) as handle:
        document = json.load(handle)
    return json_format.ParseDict(document.get("pipelineSpec", document), pipeline_spec_pb2.PipelineSpec())


def schema_title(artifact_type: pipeline_spec_pb2.ArtifactTypeSchema) -> str:
    if artifact_type.schema_title:
        return artifact_type.schema_title
    match = re.search(r"^title:\s*(\S+)", artifact_type.instance_schema, re.M)
    return match.group(1) if match else ""


def task_order(spec: pipeline_spec_pb2.PipelineSpec) -> List[str]:
    """The DAG's tasks, each after every task it depends on (ties in name order, as a stable schedule)."""
    tasks = spec.root.dag.tasks
    needs = {name: set(task.dependent_tasks) | {source.task_output_artifact.producer_task
                                                for source in task.inputs.artifacts.values()
                                                if source.task_output_artifact.producer_task}
             for name, task in tasks.items()}
    order: List[str] = []
    while len(order) < len(tasks):
        ready = sorted(name for name in tasks if name not in order and needs[name] <= set(order))
        if not ready:
            raise ValueError(f"the DAG has a cycle among {sorted(set(tasks) - set(order))}")
        order.append(ready[0])
    return order


class LocalKfpBackend:
    """Runs compiled pipelines under one pipeline root; its artifact store spans runs, as a KFP backend's does."""

    def __init__(self, pipeline_root: str):
        self.pipeline_root = pipeline_root
        self.store: List[StoredArtifact] = []
        self.env = {**os.environ, **IMAGE_ENV,
                    "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}

    # -- the artifact store and the resolver nodes ------------------------------------------------------
    def _record(self, artifact: pipeline_spec_pb2.RuntimeArtifact) -> None:
        self.store.append(StoredArtifact(artifact.name, schema_title(artifact.type), artifact, len(self.store)))

    def _matches(self, stored: StoredArtifact, clause: str) -> bool:
        key, _, value = clause.partition("=")
        key, value = key.strip(), value.strip().strip('"')
        if key == "schema_title":
            return stored.schema_title == value
        if key == "state":
            return value == "LIVE"   # nothing here is ever marked deleted
        if key == "name":
            return stored.name == value
        parts = key.split(".")
        if parts[0] == "metadata" and len(parts) == 3:
            recorded = json_format.MessageToDict(stored.artifact.metadata).get(parts[1])
            if parts[2] == "number_value":
                return recorded is not None and float(recorded) == float(value)
            return recorded == value
        raise ValueError(f"resolver filter clause not understood: {clause!r}")

    def resolve(self, query: str, inputs: Mapping[str, pipeline_spec_pb2.ArtifactList]
                ) -> List[pipeline_spec_pb2.RuntimeArtifact]:
        """The newest stored artifact the filter matches ([] when none), as outputArtifactQueries select."""
        def input_metadata(match):
            artifacts = inputs.get(match.group(1))
            if artifacts is None or not artifacts.artifacts:
                return "\0"   # no input: matches nothing
            return str(json_format.MessageToDict(artifacts.artifacts[0].metadata).get(match.group(2), "\0"))
        clauses = INPUT_METADATA.sub(input_metadata, query).split(" AND ")
        found = [s for s in self.store if all(self._matches(s, clause) for clause in clauses)]
        return [max(found, key=lambda s: s.created).artifact] if found else []

    # -- running -----------------------------------------------------------------------------------------
    def run(self, spec_path: str, parameters: Optional[Mapping[str, Any]] = None) -> RunResult:
        """Runs every task of the compiled pipeline, with `parameters` over the declared defaults."""
        spec = load_pipeline_spec(spec_path)
        run_name = executor_input_utils.get_local_pipeline_resource_name(spec.pipeline_info.name)
        result = RunResult(run_name, os.path.join(self.pipeline_root, run_name))
        values = self._pipeline_parameters(spec, parameters or {})
        for task_name in task_order(spec):
            started = time.perf_counter()
            task = spec.root.dag.tasks[task_name]
            component = spec.components[task.component_ref.name]
            executor = spec.deployment_spec.fields["executors"].struct_value.fields[component.executor_label]
            executor = json_format.MessageToDict(executor)
            inputs = self._input_artifacts(task, component, result)
            if "resolver" in executor:
                result.outputs[task_name] = {
                    key: self.resolve(query["filter"], inputs)
                    for key, query in executor["resolver"]["outputArtifactQueries"].items()}
            else:
                result.outputs[task_name] = self._run_container(
                    task_name, task, component, executor["container"], values, inputs, result)
            result.seconds[task_name] = round(time.perf_counter() - started, 1)
        return result

    @staticmethod
    def _pipeline_parameters(spec, given: Mapping[str, Any]) -> Dict[str, Any]:
        declared = spec.root.input_definitions.parameters
        unknown = set(given) - set(declared)
        if unknown:
            raise ValueError(f"parameters the pipeline does not declare: {sorted(unknown)}")
        values = {name: json_format.MessageToDict(p.default_value) for name, p in declared.items()
                  if p.HasField("default_value")}
        values.update(given)
        return values

    @staticmethod
    def _input_artifacts(task, component, result: RunResult) -> Dict[str, pipeline_spec_pb2.ArtifactList]:
        inputs = {}
        for key, source in task.inputs.artifacts.items():
            producer = source.task_output_artifact
            if not producer.producer_task:
                raise ValueError(f"input artifact {key}: only task outputs are supported, got {source}")
            produced = result.outputs[producer.producer_task].get(producer.output_artifact_key, [])
            expected = component.input_definitions.artifacts[key].artifact_type
            artifacts = []
            for artifact in produced:
                copy = pipeline_spec_pb2.RuntimeArtifact()
                copy.CopyFrom(artifact)
                copy.type.CopyFrom(expected)
                artifacts.append(copy)
            inputs[key] = pipeline_spec_pb2.ArtifactList(artifacts=artifacts)
        return inputs

    def _parameter(self, task_name: str, key: str, source, values: Mapping[str, Any]):
        if source.HasField("runtime_value"):
            return json_format.MessageToDict(source.runtime_value.constant)
        if source.component_input_parameter:
            return values[source.component_input_parameter]
        raise ValueError(f"{task_name}.{key}: parameter source {source} is not supported here")

    def _run_container(self, task_name, task, component, container, values, inputs, result: RunResult):
        task_root = os.path.join(result.root, task_name)
        os.makedirs(task_root, exist_ok=True)
        arguments = {key: self._parameter(task_name, key, source, values)
                     for key, source in task.inputs.parameters.items()}
        executor_input = pipeline_spec_pb2.ExecutorInput(
            inputs=pipeline_spec_pb2.ExecutorInput.Inputs(
                parameter_values={key: _value(value) for key, value in arguments.items()},
                artifacts=inputs),
            outputs=pipeline_spec_pb2.ExecutorInput.Outputs(
                artifacts={key: self._output_list(key, spec.artifact_type, task_root, result.run_name, task_name)
                           for key, spec in component.output_definitions.artifacts.items()},
                output_file=os.path.join(task_root, "executor_output.json")))
        invocation = executor_input_utils.executor_input_to_dict(executor_input, component)
        commands = []
        if "lifecycle" in container:
            pre = container["lifecycle"]["preCacheCheck"]
            commands.append(pre["command"] + pre.get("args", []))
        commands.append(container["command"] + container.get("args", []))
        for command in commands:
            resolved = placeholder_utils.replace_placeholders(
                command, invocation, result.run_name, task_name, self.pipeline_root)
            self._execute(task_name, resolved, task_root)
        written = executor_output_utils.load_executor_output(executor_input.outputs.output_file)
        outputs = {}
        for key, declared in executor_input.outputs.artifacts.items():
            artifacts = list(written.artifacts[key].artifacts) if key in written.artifacts else list(declared.artifacts)
            for artifact in artifacts:
                artifact.type.CopyFrom(declared.artifacts[0].type)
                self._record(artifact)
            outputs[key] = artifacts
        return outputs

    @staticmethod
    def _output_list(key, artifact_type, task_root, run_name, task_name) -> pipeline_spec_pb2.ArtifactList:
        listed = executor_input_utils.make_artifact_list(key, artifact_type, task_root)
        listed.artifacts[0].name = f"{run_name}/{task_name}/{key}"   # a resource name, unique in the store
        return listed

    def _execute(self, task_name: str, command: List[str], task_root: str) -> None:
        log_path = os.path.join(task_root, "log.txt")
        with open(log_path, "ab") as log:
            code = subprocess.call(command, cwd=task_root, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        if code != 0:
            with open(log_path, errors="replace") as log:
                tail = log.read()[-3000:]
            raise TaskFailed(f"task {task_name} exited {code}: {' '.join(command[:4])} ...\n{tail}")


def _value(python_value: Any) -> struct_pb2.Value:
    value = struct_pb2.Value()
    json_format.ParseDict(python_value, value)
    return value
