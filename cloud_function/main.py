"""Cloud-function trigger: find ready batches under a bucket prefix and start batch evaluation on each.

Deploy as a Google Cloud Function (HTTP, entry point `trigger`) called by Cloud
Scheduler, or run anywhere with functions-framework:

    functions-framework --source cloud_function/main.py --target trigger --port 8080

Configuration (environment variables):
    ADAPT_BATCH_PREFIX   where batches arrive: gs://bucket/incoming or a local folder (required)
    ADAPT_CONFIG         an adapt.yaml to read (label, min_batch_instances, kubeflow.*); defaults otherwise
    ADAPT_TRIGGER_MODE   local | kubeflow | vertex (default: retraining.trigger_mode of the config)
    ADAPT_PIPELINE_SPEC  compiled batch-evaluation pipeline JSON (`adapt compile`), for kubeflow/vertex
    ADAPT_WORKDIR        the workspace a local run uses
    ADAPT_TRIGGER_TOKEN  when set, callers must send `Authorization: Bearer <token>`

Each ready batch (oldest first) gets exactly one run: the batch is claimed
before the run starts, so a second call, or a batch already processed, starts
nothing. The response is JSON: {"started": [...], "skipped": [...]}.
"""
import hmac
import os

import functions_framework

from core.config import Config
from core.data.batch import BatchRecords, object_store_url
from core.workspace import Workspace
from pipeline.triggers import launch, new_data


def _config() -> Config:
    path = os.environ.get("ADAPT_CONFIG")
    return Config.load(path) if path else Config()


def _authorized(request) -> bool:
    token = os.environ.get("ADAPT_TRIGGER_TOKEN", "")
    if not token:
        return True
    sent = request.headers.get("Authorization", "")
    return hmac.compare_digest(sent, f"Bearer {token}")


def batch_records(config: Config, mode: str) -> BatchRecords:
    """Where the runs this function starts keep each batch's state: the local workspace's, or beside the
    Kubeflow data root (its bucket, as the pipeline containers reach it through /gcs/<bucket>/...)."""
    if mode == "local":
        return Workspace.existing(os.environ.get("ADAPT_WORKDIR") or None).batch_records
    return BatchRecords.beside(object_store_url(config.kubeflow.data_root))


def find_and_start(prefix: str, config: Config, mode: str) -> dict:
    scan = new_data.scan(prefix, config, batch_records(config, mode))
    started = []
    for batch, _ in scan.ready:
        if mode == "local":
            workdir = os.environ.get("ADAPT_WORKDIR") or "adapt-workspace"
            started.append(launch.start_detached(workdir, batch, started_by="cloud-function"))
        else:
            spec = os.environ.get("ADAPT_PIPELINE_SPEC")
            if not spec:
                raise ValueError("ADAPT_PIPELINE_SPEC must name the compiled batch-evaluation pipeline "
                                 f"in {mode} mode (see `adapt compile`)")
            started.append(launch.start_remotely(config, batch, spec, started_by="cloud-function", mode=mode))
    return {"started": [s.to_dict() for s in started],
            "skipped": [{"batch": b.batch_id, "why": why} for b, why in scan.skipped]}


@functions_framework.http
def trigger(request):
    if not _authorized(request):
        return {"error": "missing or wrong bearer token"}, 401
    prefix = os.environ.get("ADAPT_BATCH_PREFIX")
    if not prefix:
        return {"error": "ADAPT_BATCH_PREFIX is not set"}, 500
    try:
        config = _config()
        mode = os.environ.get("ADAPT_TRIGGER_MODE") or config.retraining.trigger_mode
        return find_and_start(prefix, config, mode), 200
    except Exception as err:  # reported to the caller (Cloud Scheduler logs it), never a bare 500 page
        return {"error": f"{type(err).__name__}: {err}"}, 500
