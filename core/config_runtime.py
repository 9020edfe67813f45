"""Where adapt runs, as adapt.yaml's sections: the Beam runner, where Pusher pushes, the model server and its
request batching, batch prediction, Kubeflow and Vertex AI, the ML Metadata store, MLflow and alerts.
What adapt learns and decides (model, data, training, validation, rules) is in core/config.py, which gathers both.
"""
from dataclasses import dataclass, field
from typing import Dict, List

from core.config_file import doc


@dataclass(frozen=True)
class BeamConfig:
    args: List[str] = field(default_factory=lambda: [
        "--direct_running_mode=in_memory", "--direct_num_workers=1"], metadata=doc(
        "beam_pipeline_args for every Beam-based component (e.g. Dataflow runner, project, region, temp_location)."))


@dataclass(frozen=True)
class PushConfig:
    destination: str = field(default="", metadata=doc(
        "Base directory for pushed models; empty means <workdir>/serving/<model>. May be gs://..."))
    mode: str = field(default="production", metadata=doc(
        "production: a pushed model serves every request; canary: it answers canary_traffic of them beside the "
        "version serving before (`adapt models promote` or `abort` ends it). Local pushes.",
        choices=("production", "canary")))
    canary_traffic: float = field(default=0.1, metadata=doc(
        "The share of predict requests a model pushed as a canary answers.", min=0.01, max=1.0))


@dataclass(frozen=True)
class BatchingConfig:
    """Server-side batching of `adapt serve` (serving/batching.py); defaults measured by benchmarks/serving_load.py."""
    max_batch_size: int = field(default=64, metadata=doc(
        "Rows of concurrent predict requests answered by one model call (1: every request alone).", min=1))
    timeout_ms: float = field(default=0.0, metadata=doc(
        "How long a model call waits for more requests after its first (0: it takes what is queued).", min=0.0))
    max_queued_rows: int = field(default=4096, metadata=doc(
        "Rows waiting for the model before further requests are refused with 503 and Retry-After.", min=1))


@dataclass(frozen=True)
class ServingConfig:
    host: str = field(default="127.0.0.1", metadata=doc("Address `adapt serve` binds to."))
    port: int = field(default=8501, metadata=doc("Port of `adapt serve` (TF Serving's REST port).", min=0, max=65535))
    poll_seconds: float = field(default=2.0, metadata=doc("How often the server looks for a new version.", min=0.1))
    max_body_mb: float = field(default=10.0, metadata=doc("Largest request body accepted.", min=0.01))
    batching: BatchingConfig = field(default_factory=BatchingConfig)
    log_predictions: bool = field(default=False, metadata=doc(
        "Append each answered instance, its prediction, the version and a request id to JSONL files under "
        "<workdir>/predictions/<model>/ (`adapt batch from-log` turns a time slice of them into a batch)."))
    log_sample_rate: float = field(default=1.0, metadata=doc(
        "Share of predict requests logged when log_predictions is on (a request is logged whole or not at all).",
        min=0.0, max=1.0))
    log_file_mb: float = field(default=64.0, metadata=doc(
        "A prediction log file is closed and a new one started past this size.", min=0.01))


@dataclass(frozen=True)
class PredictionConfig:
    mode: str = field(default="local", metadata=doc(
        "BatchPredictionGen: local Beam RunInference, or a Vertex AI batch-prediction job.",
        choices=("local", "vertex")))
    vertex_model: str = field(default="", metadata=doc("Vertex AI model resource name (vertex mode)."))
    vertex_machine_type: str = field(default="n1-standard-2", metadata=doc("Vertex batch-prediction machine type."))


@dataclass(frozen=True)
class KubeflowConfig:
    image: str = field(default="gcr.io/my-project/adapt:latest", metadata=doc(
        "Pipeline image (Dockerfile in this repo) referenced by compiled pipelines."))
    pipeline_root: str = field(default="gs://my-bucket/adapt/pipelines", metadata=doc(
        "Pipeline root on KFP/Vertex."))
    data_root: str = field(default="/gcs/my-bucket/adapt/data", metadata=doc(
        "Span folders on KFP/Vertex, a path the containers can write with atomic renames: a mounted "
        "volume, or Vertex's GCS FUSE mount /gcs/<bucket>/... (SpanPreparator writes spans there)."))
    schema_file: str = field(default="gs://my-bucket/adapt/schema/schema.pbtxt", metadata=doc(
        "The kept schema on KFP/Vertex: upload the current version (<workdir>/schema/v<CURRENT>/schema.pbtxt) "
        "there."))
    compiled_root: str = field(default="gs://my-bucket/adapt/compiled", metadata=doc(
        "Where the compiled pipeline JSON files are uploaded; PipelineTrigger submits training from there."))
    beam_args: List[str] = field(default_factory=list, metadata=doc(
        "beam_pipeline_args of Beam components on KFP/Vertex, e.g. [--runner=DataflowRunner, "
        "--project=P, --region=R, --temp_location=gs://...]."))
    serving_destination: str = field(default="gs://my-bucket/adapt/serving", metadata=doc(
        "Where the Kubeflow Pusher pushes the model."))
    host: str = field(default="", metadata=doc("KFP endpoint for `adapt submit` and PipelineTrigger kubeflow mode."))
    vertex_project: str = field(default="", metadata=doc("GCP project for Vertex AI Pipelines."))
    vertex_region: str = field(default="us-central1", metadata=doc("Vertex AI region."))
    serving_image: str = field(default="tensorflow/serving:2.16.1", metadata=doc(
        "TF Serving image used by InfraValidator on Kubernetes."))


@dataclass(frozen=True)
class MetadataConfig:
    mysql_host: str = field(default="", metadata=doc(
        "ML Metadata on a MySQL or MariaDB server shared by a team; empty: the SQLite file metadata.sqlite in "
        "the workspace."))
    mysql_port: int = field(default=3306, metadata=doc("MySQL/MariaDB port.", min=1, max=65535))
    mysql_database: str = field(default="adapt_metadata", metadata=doc("Database holding the MLMD tables."))
    mysql_user: str = field(default="adapt", metadata=doc("MySQL/MariaDB user."))
    mysql_password_env: str = field(default="ADAPT_MLMD_PASSWORD", metadata=doc(
        "Environment variable holding that user's password (the password is never written to a file)."))
    retry_seconds: float = field(default=0.0, metadata=doc(
        "How long a command waits for a MySQL/MariaDB server that stopped answering (a restart for maintenance), "
        "retrying each ML Metadata call; 0: it fails at once, in one line naming the database.", min=0.0))


@dataclass(frozen=True)
class MlflowConfig:
    tracking_uri: str = field(default="", metadata=doc(
        "When set, every push registers the version in MLflow (alias `production`)."))


ALERT_EVENTS = ("retrain", "push", "decline", "drift", "estimate", "rollback", "failure")


@dataclass(frozen=True)
class AlertsConfig:
    webhook: str = field(default="", metadata=doc(
        "When set, a small JSON message is POSTed here on each event of alerts.events (fire and forget: a webhook "
        "that fails or is slow never fails a run); each alert sent is recorded in the history."))
    format: str = field(default="adapt", metadata=doc(
        "The message's shape: adapt (its own JSON: event, model, text, details), slack or teams (their "
        "incoming-webhook shapes).", choices=("adapt", "slack", "teams")))
    events: List[str] = field(default_factory=lambda: list(ALERT_EVENTS), metadata=doc(
        "Which events alert: retrain, push, decline (a candidate not pushed), drift (a drift alarm), estimate (an "
        "estimate without labels that fired its rule), rollback, failure (a run that failed).", subset=ALERT_EVENTS))
    timeout_seconds: float = field(default=2.0, metadata=doc(
        "How long a POST may take before it is given up.", min=0.1, max=30.0))
