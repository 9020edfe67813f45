"""Reading (and, for adapt's own events, writing) ML Metadata.

MLMD is the single source of truth for what ran: TFX records every artifact
and execution of both pipelines; adapt adds two execution types of its own,
`adapt.RetrainingEvent` (one per training run: trigger, reason, outcome) and
`adapt.Rollback`, linked to the artifacts they concern. The registry and the
history views (pipeline/registry.py) are queries over this module.

Only ml_metadata is imported here, not TFX or TensorFlow, so that listing
models stays fast.
"""
from __future__ import annotations

import contextlib
import json
import os
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional

from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as mlmd

from core.drift.statistics import split_statistics_path
from core.errors import AdaptError, ConfigError
from pipeline.definitions import names

EVENT_TYPE = "adapt.RetrainingEvent"
ROLLBACK_TYPE = "adapt.Rollback"
ALERT_TYPE = "adapt.Alert"
CANARY_TYPE = "adapt.Canary"  # a canary started, promoted or aborted
SCHEMA_TYPE = "adapt.SchemaChange"  # a new version of the data contract accepted (`adapt schema accept`)
HISTORY_CONTEXT_TYPE = "adapt.ModelHistory"
PIPELINE_RUN_CONTEXT_TYPE = "pipeline_run"  # TFX's context of one run, named by its run id

_EVENT_PROPERTIES = {
    "model_name": mlmd.STRING, "trigger": mlmd.STRING, "reason": mlmd.STRING, "spans": mlmd.STRING,
    "outcome": mlmd.STRING, "updated": mlmd.INT, "pushed_version": mlmd.INT,
    "production_version": mlmd.INT, "baseline_version": mlmd.INT, "compute_seconds": mlmd.DOUBLE,
    "candidate_metrics": mlmd.STRING, "baseline_metrics": mlmd.STRING, "training_mode": mlmd.STRING,
    "pipeline_run": mlmd.STRING, "evidence": mlmd.STRING, "holdout": mlmd.STRING, "window_choice": mlmd.STRING,
    "inputs": mlmd.STRING,  # pipeline/local/outcome.py: inputs_fingerprint of the run
    "schema_version": mlmd.INT,  # the data contract's version the run trained under
}
_ROLLBACK_PROPERTIES = {"model_name": mlmd.STRING, "from_version": mlmd.INT, "to_version": mlmd.INT,
                        "reason": mlmd.STRING}
_CANARY_PROPERTIES = {"model_name": mlmd.STRING, "action": mlmd.STRING, "version": mlmd.INT,
                      "stable_version": mlmd.INT, "traffic": mlmd.DOUBLE, "shadow": mlmd.INT, "reason": mlmd.STRING}
_SCHEMA_PROPERTIES = {"model_name": mlmd.STRING, "from_version": mlmd.INT, "to_version": mlmd.INT,
                      "reason": mlmd.STRING, "who": mlmd.STRING, "batch": mlmd.STRING, "span": mlmd.INT,
                      "changes": mlmd.STRING}
_ALERT_PROPERTIES = {"model_name": mlmd.STRING, "event": mlmd.STRING, "text": mlmd.STRING, "delivered": mlmd.INT,
                     "status": mlmd.STRING}


class MetadataUnavailableError(AdaptError):
    """The MySQL/MariaDB server holding ML Metadata stopped answering (for longer than metadata.retry_seconds)."""


_LOST_SERVER = ("Lost connection to MySQL server", "MySQL server has gone away", "Can't connect to MySQL server",
                "Can't connect to server", "mysql_real_connect failed")


def _server_lost(err: Exception) -> bool:
    return any(sign in str(err) for sign in _LOST_SERVER)


def mysql_location(connection: mlmd.MySQLDatabaseConfig) -> str:
    """Where a MySQL store is, for messages (never the password)."""
    return f"mysql://{connection.user}@{connection.host}:{connection.port}/{connection.database}"


class RetryingMetadataStore(metadata_store.MetadataStore):
    """ML Metadata's store that waits for a MySQL/MariaDB server that stopped answering.

    A call that finds the server gone is tried again on a fresh connection once the server answers again,
    waiting up to `retry_seconds` (MLMD's own retries cover only aborted transactions, and its client crashes
    when called again while the server is down). Past that, or at once with 0 seconds,
    MetadataUnavailableError names the database. Opening a store waits the same way, then fails as before
    (`why_not_opened` says why). A call whose commit reached the server just before it went away may be
    recorded twice; every other call is recorded once or not at all. TFX's launcher opens its store through
    `ml_metadata.MetadataStore`, so `connection_config` puts this class there for MySQL stores: TFX offers no
    other hook.
    """
    retry_seconds = 0.0

    def __init__(self, config, enable_upgrade_migration: bool = False):
        deadline = time.monotonic() + self.retry_seconds
        while True:
            try:
                super().__init__(config, enable_upgrade_migration)
                return
            except Exception:  # a store that cannot be opened says why (why_not_opened) once the wait is over
                if not config.HasField("mysql") or server_answers(config.mysql) or time.monotonic() >= deadline:
                    raise
                time.sleep(1.0)

    _gone = False  # the server went away under this store: its C++ client must not be called until it is back

    def _call(self, method_name, request, response, extra_options=None):
        reason = "it went away earlier"
        if not self._gone:
            try:
                return super()._call(method_name, request, response, extra_options)
            except Exception as err:  # the C++ client's InternalError, whatever the call
                if not self._config.HasField("mysql") or not _server_lost(err):
                    raise
                self._gone, reason = True, str(err).splitlines()[0].split(", error: ")[-1][:120]
        deadline = time.monotonic() + self.retry_seconds
        while True:
            if server_answers(self._config.mysql):
                try:
                    super().__init__(self._config)  # a fresh connection
                    self._gone = False
                    return super()._call(method_name, request, response, extra_options)
                except Exception as err:
                    if not _server_lost(err):
                        raise
                    self._gone = True
            if time.monotonic() >= deadline:
                break
            time.sleep(1.0)
        waited = f" for {self.retry_seconds:g} s" if self.retry_seconds else ""
        raise MetadataUnavailableError(
            f"lost ML Metadata at {mysql_location(self._config.mysql)}: the server stopped answering{waited} "
            f"({reason}); run again once it is back"
            + ("" if self.retry_seconds else " (metadata.retry_seconds makes a command wait)")) from None


def _retry_lost_servers(seconds: float) -> None:
    import ml_metadata
    RetryingMetadataStore.retry_seconds = seconds
    ml_metadata.MetadataStore = RetryingMetadataStore


def connection_config(workspace, config) -> mlmd.ConnectionConfig:
    """The workspace's MLMD store: MySQL/MariaDB when `metadata.mysql_host` is set, else its SQLite file."""
    connection = mlmd.ConnectionConfig()
    settings = config.metadata
    if settings.mysql_host:
        _retry_lost_servers(settings.retry_seconds)
        password = os.environ.get(settings.mysql_password_env)
        if password is None:
            raise ConfigError(f"metadata.mysql_host is set: put the MySQL password in ${settings.mysql_password_env}")
        connection.mysql.host = settings.mysql_host
        connection.mysql.port = settings.mysql_port
        connection.mysql.database = settings.mysql_database
        connection.mysql.user = settings.mysql_user
        connection.mysql.password = password
        return connection
    connection.sqlite.filename_uri = str(workspace.metadata_path)
    connection.sqlite.connection_mode = mlmd.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
    return connection


def describe_store(workspace, config) -> str:
    """Where the store is, for messages (never the password)."""
    settings = config.metadata
    if settings.mysql_host:
        return mysql_location(mlmd.MySQLDatabaseConfig(host=settings.mysql_host, port=settings.mysql_port,
                                                       database=settings.mysql_database, user=settings.mysql_user))
    return str(workspace.metadata_path)


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


@contextlib.contextmanager
def _client_stderr_kept_back():
    """The MySQL client writes its own paragraphs to the process's stderr when a connection fails (about MySQL 8's
    authentication plugins, whatever the cause); they are dropped, and `why_not_opened` says what went wrong."""
    import tempfile
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as kept:
        os.dup2(kept.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def server_answers(connection: mlmd.MySQLDatabaseConfig) -> bool:
    """Whether anything accepts a connection at the store's host and port."""
    import socket
    try:
        socket.create_connection((connection.host, connection.port), timeout=3).close()
        return True
    except OSError:
        return False


def why_not_opened(connection: mlmd.ConnectionConfig, error: str, password_env: str = "") -> str:
    """One line: which store, and what to fix (never the password)."""
    if not connection.HasField("mysql"):
        return f"cannot open ML Metadata at {connection.sqlite.filename_uri}: {error.splitlines()[0][:200]}"
    settings = connection.mysql
    where = mysql_location(settings)
    if "Access denied" in error and "to database" in error:
        why = (f"user {settings.user!r} may not use database {settings.database!r}: it does not exist and the user "
               f"may not create it, or the user has no rights on it (create it, or grant them)")
    elif "mysql_real_connect failed" in error:
        if server_answers(settings):
            why = (f"the server refused user {settings.user!r}: check the password"
                   + (f" in ${password_env}" if password_env else "") + " and the user's rights from this host")
        else:
            why = "no MySQL/MariaDB server answers there (is it running? are host and port right?)"
    else:
        why = error.splitlines()[0][:200] if error else "unknown error"
    return f"cannot open ML Metadata at {where}: {why}"


@dataclass
class Linked:
    artifact: mlmd.Artifact
    key: str


class Metadata:
    """A thin, query-oriented view of one MLMD store."""

    def __init__(self, connection: mlmd.ConnectionConfig, password_env: str = ""):
        try:
            with _client_stderr_kept_back():
                self.store = RetryingMetadataStore(connection)
        except Exception as err:  # the C++ client raises plain errors; say which store could not be opened, and why
            raise AdaptError(why_not_opened(connection, str(err), password_env)) from None
        self._type_names: Dict[int, str] = {}

    @classmethod
    def of(cls, workspace, config) -> "Metadata":
        """The workspace's store (see connection_config)."""
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
    def _ensure_types(self):
        event_type = mlmd.ExecutionType(name=EVENT_TYPE)
        for name, kind in _EVENT_PROPERTIES.items():
            event_type.properties[name] = kind
        rollback_type = mlmd.ExecutionType(name=ROLLBACK_TYPE)
        for name, kind in _ROLLBACK_PROPERTIES.items():
            rollback_type.properties[name] = kind
        alert_type = mlmd.ExecutionType(name=ALERT_TYPE)
        for name, kind in _ALERT_PROPERTIES.items():
            alert_type.properties[name] = kind
        canary_type = mlmd.ExecutionType(name=CANARY_TYPE)
        for name, kind in _CANARY_PROPERTIES.items():
            canary_type.properties[name] = kind
        schema_type = mlmd.ExecutionType(name=SCHEMA_TYPE)
        for name, kind in _SCHEMA_PROPERTIES.items():
            schema_type.properties[name] = kind
        history_type = mlmd.ContextType(name=HISTORY_CONTEXT_TYPE)
        return (self.store.put_execution_type(event_type, can_add_fields=True),
                self.store.put_execution_type(rollback_type, can_add_fields=True),
                self.store.put_context_type(history_type),
                self.store.put_execution_type(alert_type, can_add_fields=True),
                self.store.put_execution_type(canary_type, can_add_fields=True),
                self.store.put_execution_type(schema_type, can_add_fields=True))

    def _history_context(self, model_name: str, context_type_id: int) -> mlmd.Context:
        existing = self.store.get_context_by_type_and_name(HISTORY_CONTEXT_TYPE, model_name)
        if existing is not None:
            return existing
        context = mlmd.Context(type_id=context_type_id, name=model_name)
        [context.id] = self.store.put_contexts([context])
        return context

    def _record(self, type_index: int, values: Dict[str, Any], inputs: Iterable[mlmd.Artifact],
                outputs: Iterable[mlmd.Artifact]) -> int:
        types = self._ensure_types()
        execution = mlmd.Execution(type_id=types[type_index], last_known_state=mlmd.Execution.COMPLETE)
        # MLMD names are unique per type: two processes may record in the same millisecond
        execution.name = f"{values.get('model_name', 'model')}-{int(time.time() * 1000)}-{uuid.uuid4().hex[:8]}"
        for name, value in values.items():
            if value is None:
                continue
            field = execution.properties[name]
            if isinstance(value, bool) or isinstance(value, int):
                field.int_value = int(value)
            elif isinstance(value, float):
                field.double_value = value
            else:
                field.string_value = str(value)
        events = []
        for artifact in inputs:
            events.append((artifact, mlmd.Event(type=mlmd.Event.INPUT)))
        for artifact in outputs:
            events.append((artifact, mlmd.Event(type=mlmd.Event.OUTPUT)))
        context = self._history_context(values["model_name"], types[2])
        execution_id, _, _ = self.store.put_execution(execution, events, [context], reuse_context_if_already_exist=True)
        return execution_id

    def record_retraining_event(self, values: Dict[str, Any], inputs=(), outputs=()) -> int:
        return self._record(0, values, inputs, outputs)

    def record_rollback(self, values: Dict[str, Any], inputs=()) -> int:
        return self._record(1, values, inputs, ())

    def record_alert(self, values: Dict[str, Any]) -> int:
        return self._record(3, values, (), ())

    def record_canary(self, values: Dict[str, Any], inputs=()) -> int:
        return self._record(4, values, inputs, ())

    def record_schema_change(self, values: Dict[str, Any]) -> int:
        return self._record(5, values, (), ())

    def adapt_executions(self, type_name: str) -> List[mlmd.Execution]:
        try:
            executions = self.store.get_executions_by_type(type_name)
        except Exception:  # the type does not exist yet
            return []
        return sorted(executions, key=lambda e: (e.create_time_since_epoch, e.id))


# -- questions the runners ask ---------------------------------------------------
def ingested_spans(meta: Metadata, pipeline: str = names.TRAINING_PIPELINE) -> Dict[int, mlmd.Artifact]:
    """Latest Examples artifact per span that ExampleGen produced in this pipeline."""
    spans: Dict[int, mlmd.Artifact] = {}
    for artifact in meta.node_artifacts(pipeline, names.EXAMPLE_GEN, "Examples"):
        spans[int(prop(artifact, "span", 0))] = artifact
    return spans


def span_statistics(meta: Metadata, pipeline: str = names.TRAINING_PIPELINE) -> Dict[int, mlmd.Artifact]:
    """Latest ExampleStatistics per span (StatisticsGen runs once per span).

    Statistics artifacts carry no span number; it comes from the Examples
    artifact the StatisticsGen execution read.
    """
    stats: Dict[int, mlmd.Artifact] = {}
    for execution in meta.node_executions(pipeline, names.STATISTICS_GEN):
        examples = meta.inputs(execution.id, "examples")
        outputs = meta.outputs(execution.id, "statistics")
        if examples and outputs and outputs[0].state == mlmd.Artifact.LIVE:
            stats[int(prop(examples[0], "span", 0))] = outputs[0]
    return stats


def span_schema_versions(meta: Metadata, pipeline: str = names.TRAINING_PIPELINE) -> Dict[int, Optional[int]]:
    """{span: the data contract's version it was last validated against (the Schema artifact ExampleValidator
    read states it)}, for spans that passed validation."""
    from core.data.schema import version_in_folder
    statistics_span = {artifact.id: span for span, artifact in span_statistics(meta, pipeline).items()}
    found: Dict[int, Optional[int]] = {}
    for execution in meta.node_executions(pipeline, names.EXAMPLE_VALIDATOR):
        if execution.last_known_state not in (mlmd.Execution.COMPLETE, mlmd.Execution.CACHED):
            continue
        statistics, schema = meta.inputs(execution.id, "statistics"), meta.inputs(execution.id, "schema")
        if statistics and schema and statistics[0].id in statistics_span:
            found[statistics_span[statistics[0].id]] = version_in_folder(schema[0].uri)
    return found


def custom_config(execution: Optional[mlmd.Execution]) -> Dict[str, Any]:
    """The custom_config an execution (a Trainer's: spans, training_mode, ...) ran with; {} for none."""
    return json.loads(prop(execution, "custom_config", "{}") or "{}") if execution is not None else {}


def span_statistics_files(meta: Metadata) -> Dict[int, str]:
    """{span: its train split's TFDV statistics file}, for every span StatisticsGen described."""
    return {span: split_statistics_path(artifact.uri) for span, artifact in span_statistics(meta).items()}


def retraining_events(meta: Metadata, model_name: str) -> List[mlmd.Execution]:
    """adapt.RetrainingEvent executions of one model, oldest first."""
    return [e for e in meta.adapt_executions(EVENT_TYPE) if prop(e, "model_name") == model_name]


def events_by_model(meta: Metadata, model_name: str) -> Dict[int, mlmd.Execution]:
    """{Trainer Model artifact id: the newest retraining event that judged it}."""
    events = retraining_events(meta, model_name)
    found: Dict[int, mlmd.Execution] = {}
    if not events:
        return found
    by_id = {e.id: e for e in events}
    for event in meta.store.get_events_by_execution_ids(list(by_id)):
        if event.type == mlmd.Event.INPUT:
            current = found.get(event.artifact_id)
            execution = by_id[event.execution_id]
            if current is None or execution.create_time_since_epoch >= current.create_time_since_epoch:
                found[event.artifact_id] = execution
    return found


def pushed_metrics(meta: Metadata, model_name: str, version: Optional[int]) -> Dict[str, float]:
    """What `version` scored on its own holdout when it was pushed ({} when not recorded)."""
    for event in reversed(retraining_events(meta, model_name)):
        if version is not None and prop(event, "pushed_version") == version and prop(event, "updated") == 1:
            return json.loads(prop(event, "candidate_metrics", "{}") or "{}")
    return {}


def last_decline(meta: Metadata, model_name: str, production_version: Optional[int]) -> Dict[str, Any]:
    """The evidence of the newest retraining event when it was a candidate declined against the serving version.

    {} when the newest event pushed, stopped on bad data, or judged another serving version.
    """
    events = retraining_events(meta, model_name)
    if not events:
        return {}
    newest = events[-1]
    declined = prop(newest, "updated") == 0 and str(prop(newest, "outcome", "")).startswith("declined")
    if not declined or prop(newest, "production_version") != production_version:
        return {}
    return json.loads(prop(newest, "evidence", "{}") or "{}")


def push_records(meta: Metadata, pipeline: str = names.TRAINING_PIPELINE) -> List[Dict[str, Any]]:
    """Every Pusher execution with its PushedModel and the Model it was given, oldest first."""
    records = []
    for execution in meta.node_executions(pipeline, names.PUSHER):
        pushed = meta.outputs(execution.id, "pushed_model")
        models = meta.inputs(execution.id, "model")
        if not pushed or not models:
            continue
        records.append({"execution": execution, "pushed_model": pushed[0], "model": models[0]})
    return records


def model_for_version(meta: Metadata, serving_base: str, version: int,
                      pipeline: str = names.TRAINING_PIPELINE) -> Optional[mlmd.Artifact]:
    """The Trainer Model artifact that was pushed as `version` into `serving_base`."""
    wanted = os.path.join(serving_base, str(version))
    for record in reversed(push_records(meta, pipeline)):
        pushed = record["pushed_model"]
        if prop(pushed, "pushed") == 1 and os.path.normpath(str(prop(pushed, "pushed_destination", ""))) == \
                os.path.normpath(wanted):
            return record["model"]
    return None


def importance_report(meta: Metadata, model: Optional[mlmd.Artifact]) -> Dict[str, Any]:
    """What FeatureImportance recorded for a Trainer model: importances and its answers on the holdout ({} when
    it did not run)."""
    from components.artifacts import read_report
    if model is None:
        return {}
    for execution in reversed(meta.consumers(model.id)):
        if meta.execution_node(execution) == names.FEATURE_IMPORTANCE:
            outputs = meta.outputs(execution.id, "importances")
            if outputs and outputs[0].state == mlmd.Artifact.LIVE:
                return read_report(outputs[0].uri)
    return {}


def model_importances(meta: Metadata, model: Optional[mlmd.Artifact]) -> Dict[str, float]:
    """The feature importances FeatureImportance recorded for a Trainer model ({} when none were)."""
    return importance_report(meta, model).get("importances") or {}


def serving_holdout_answers(meta: Metadata, serving_base: str, version: Optional[int]) -> Dict[str, Any]:
    """The serving model's answers on its holdout (a distribution, core/drift/distributions.py), {} unknown."""
    if version is None:
        return {}
    return importance_report(meta, model_for_version(meta, serving_base, version)).get("holdout_answers") or {}


def serving_importances(meta: Metadata, serving_base: str, version: Optional[int]) -> Dict[str, float]:
    """What the serving model relies on: its importances in MLMD, else those its info file records, else {}."""
    from core.contract import read_model_info
    from core.importance import from_model_info
    if version is None:
        return {}
    found = model_importances(meta, model_for_version(meta, serving_base, version))
    if found:
        return found
    try:
        return from_model_info(read_model_info(os.path.join(serving_base, str(version)))) or {}
    except FileNotFoundError:
        return {}
