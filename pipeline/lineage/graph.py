"""A read view of the lineage graph in ML Metadata: the executions of a pipeline's nodes, the artifacts they read
and wrote, who produced and who consumed an artifact, and adapt's own records (pipeline/lineage/records.py).

MLMD is the single source of truth for what ran: TFX records every artifact and execution of both pipelines;
adapt adds its own records beside them. The questions the runners, the registry and the history ask are in
pipeline/lineage/queries.py, registry.py and history.py.

Only ml_metadata is imported here, not TFX or TensorFlow, so that listing models stays fast.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional

from ml_metadata.proto import metadata_store_pb2 as mlmd

from pipeline.lineage import records
from pipeline.lineage.store import connection_config, open_store

PIPELINE_RUN_CONTEXT_TYPE = "pipeline_run"  # TFX's context of one run, named by its run id


def value_of(proto_value: mlmd.Value) -> Any:
    kind = proto_value.WhichOneof("value")
    return getattr(proto_value, kind) if kind else None


def prop(item, name: str, default: Any = None) -> Any:
    """A property or custom property of an artifact or execution."""
    if name in item.properties:
        return value_of(item.properties[name])
    if name in item.custom_properties:
        return value_of(item.custom_properties[name])
    return default


@dataclass
class Linked:
    artifact: mlmd.Artifact
    key: str


class Metadata:
    """A thin, query-oriented view of one MLMD store."""

    def __init__(self, connection: mlmd.ConnectionConfig, password_env: str = ""):
        self.store = open_store(connection, password_env)
        self._type_names: Dict[int, str] = {}

    @classmethod
    def of(cls, workspace, config) -> "Metadata":
        """The workspace's store (see store.connection_config)."""
        return cls(connection_config(workspace, config), config.metadata.mysql_password_env)

    # -- types and contexts ----------------------------------------------------
    def type_name(self, type_id: int) -> str:
        if type_id not in self._type_names:
            for kind in self.store.get_artifact_types() + self.store.get_execution_types():
                self._type_names[kind.id] = kind.name
        return self._type_names.get(type_id, "?")

    def node_context(self, pipeline: str, node: str) -> Optional[mlmd.Context]:
        return self.store.get_context_by_type_and_name("node", f"{pipeline}.{node}")

    def node_executions(self, pipeline: str, node: str) -> List[mlmd.Execution]:
        context = self.node_context(pipeline, node)
        if context is None:
            return []
        executions = self.store.get_executions_by_context(context.id)
        return sorted(executions, key=lambda e: (e.create_time_since_epoch, e.id))

    def run_execution(self, pipeline: str, node: str, run_id: str) -> Optional[mlmd.Execution]:
        """The execution of a node in one pipeline run (a cached one included); None when the node did not run."""
        run = self.store.get_context_by_type_and_name(PIPELINE_RUN_CONTEXT_TYPE, run_id)
        if run is None:
            return None
        in_run = {e.id for e in self.store.get_executions_by_context(run.id)}
        executions = [e for e in self.node_executions(pipeline, node) if e.id in in_run]
        return executions[-1] if executions else None

    def node_artifacts(self, pipeline: str, node: str, type_name: str) -> List[mlmd.Artifact]:
        context = self.node_context(pipeline, node)
        if context is None:
            return []
        found = [a for a in self.store.get_artifacts_by_context(context.id)
                 if self.type_name(a.type_id) == type_name and a.state == mlmd.Artifact.LIVE]
        return sorted(found, key=lambda a: (a.create_time_since_epoch, a.id))

    # -- lineage ---------------------------------------------------------------
    def _linked(self, execution_id: int, event_types: Iterable[int]) -> List[Linked]:
        events = [e for e in self.store.get_events_by_execution_ids([execution_id]) if e.type in event_types]
        artifacts = {a.id: a for a in self.store.get_artifacts_by_id([e.artifact_id for e in events])}
        linked = []
        for event in events:
            key = event.path.steps[0].key if event.path.steps else ""
            linked.append(Linked(artifacts[event.artifact_id], key))
        return linked

    def inputs(self, execution_id: int, key: Optional[str] = None) -> List[mlmd.Artifact]:
        kinds = (mlmd.Event.INPUT, mlmd.Event.DECLARED_INPUT)
        return [l.artifact for l in self._linked(execution_id, kinds) if key is None or l.key == key]

    def outputs(self, execution_id: int, key: Optional[str] = None) -> List[mlmd.Artifact]:
        kinds = (mlmd.Event.OUTPUT, mlmd.Event.DECLARED_OUTPUT)
        return [l.artifact for l in self._linked(execution_id, kinds) if key is None or l.key == key]

    def producer(self, artifact_id: int) -> Optional[mlmd.Execution]:
        events = [e for e in self.store.get_events_by_artifact_ids([artifact_id])
                  if e.type in (mlmd.Event.OUTPUT, mlmd.Event.DECLARED_OUTPUT)]
        if not events:
            return None
        return self.store.get_executions_by_id([events[0].execution_id])[0]

    def consumers(self, artifact_id: int) -> List[mlmd.Execution]:
        events = [e for e in self.store.get_events_by_artifact_ids([artifact_id])
                  if e.type in (mlmd.Event.INPUT, mlmd.Event.DECLARED_INPUT)]
        return self.store.get_executions_by_id(sorted({e.execution_id for e in events}))

    def execution_node(self, execution: mlmd.Execution) -> str:
        for context in self.store.get_contexts_by_execution(execution.id):
            if self.type_name(context.type_id) == "node" or context.type_id in self._node_type_ids():
                return context.name.split(".", 1)[-1]
        return self.type_name(execution.type_id)

    def _node_type_ids(self):
        node_type = self.store.get_context_type("node")
        return {node_type.id} if node_type else set()

    # -- adapt's own records ----------------------------------------------------
    def record(self, record: records.Record, inputs: Iterable[mlmd.Artifact] = (),
               outputs: Iterable[mlmd.Artifact] = ()) -> int:
        """Writes one of adapt's records (records.RetrainingEvent, Rollback, ...); its execution id."""
        return records.write(self.store, record, inputs, outputs)

    def adapt_executions(self, type_name: str) -> List[mlmd.Execution]:
        """The executions of one of adapt's record types (its TYPE), oldest first."""
        try:
            executions = self.store.get_executions_by_type(type_name)
        except Exception:  # the type does not exist yet
            return []
        return sorted(executions, key=lambda e: (e.create_time_since_epoch, e.id))
