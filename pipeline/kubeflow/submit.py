"""Submitting compiled pipelines: to a Kubeflow Pipelines host (kfp.Client) or to Vertex AI Pipelines.

`adapt submit PIPELINE_JSON --host URL [--param k=v ...]` and
`adapt submit PIPELINE_JSON --vertex-project P --region R [--param k=v ...]`
use `submit`; PipelineTrigger (kubeflow / vertex modes) and the cloud function
use `start_training_run` and `start_batch_evaluation_run`, the same code.

A compiled file may live on a bucket (gs://...): it is copied to a local
temporary file first, since both clients read local files.
"""
import json
import os
import shutil
import tempfile
import time
from typing import Any, Dict, Mapping, Optional

from core.config import Config
from core.data.spans import SpanWindow
from core.errors import AdaptError, UsageError

EXPERIMENT = "adapt"


class SubmitError(UsageError):
    """A submission that cannot be made as asked (no target, a bad parameter)."""


def parse_params(pairs) -> Dict[str, Any]:
    """['k=v', ...] -> {k: v}; numbers become numbers, everything else stays text."""
    params = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise SubmitError(f"--param {pair!r}: expected NAME=VALUE")
        try:
            params[name] = json.loads(value) if value.strip()[:1] in "-0123456789" else value
        except ValueError:
            params[name] = value
    return params


def _local_copy(path: str, suffix: str) -> str:
    """A local file with the given suffix holding the pipeline (kfp.Client only reads .yaml files; JSON is YAML)."""
    import fsspec
    handle, local = tempfile.mkstemp(prefix="adapt-pipeline-", suffix=suffix)
    with os.fdopen(handle, "wb") as out, fsspec.open(path, "rb") as source:
        shutil.copyfileobj(source, out)
    return local


def _pipeline_name(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def submit_to_kubeflow(path: str, params: Mapping[str, Any], host: str, run_name: Optional[str] = None) -> str:
    import contextlib
    import sys

    import kfp
    import requests
    import urllib3
    local = _local_copy(path, ".yaml")
    try:
        with contextlib.redirect_stdout(sys.stderr):  # kfp prints its UI links; stdout is for the run id
            client = kfp.Client(host=host)
            result = client.create_run_from_pipeline_package(
                local, arguments=dict(params), experiment_name=EXPERIMENT,
                run_name=run_name or f"{_pipeline_name(path)} {time.strftime('%Y-%m-%d %H-%M-%S')}")
        return result.run_id
    except (urllib3.exceptions.HTTPError, requests.exceptions.ConnectionError, ConnectionError) as err:
        reason = getattr(err, "reason", None) or err
        raise AdaptError(f"cannot reach the Kubeflow Pipelines API at {host} ({type(reason).__name__}); "
                         f"check --host or kubeflow.host") from None
    finally:
        os.unlink(local)


def submit_to_vertex(path: str, params: Mapping[str, Any], project: str, region: str,
                     pipeline_root: Optional[str] = None, run_name: Optional[str] = None) -> str:
    from google.auth import exceptions as auth_exceptions
    from google.cloud import aiplatform
    local = _local_copy(path, ".json")
    try:
        aiplatform.init(project=project, location=region)
        job = aiplatform.PipelineJob(display_name=run_name or _pipeline_name(path), template_path=local,
                                     parameter_values=dict(params), pipeline_root=pipeline_root or None,
                                     enable_caching=True)
        job.submit()
        return job.resource_name
    except auth_exceptions.DefaultCredentialsError:
        raise AdaptError("no Google Cloud credentials for Vertex AI: run `gcloud auth application-default login` "
                         "or set GOOGLE_APPLICATION_CREDENTIALS") from None
    finally:
        os.unlink(local)


def submit(path: str, params: Mapping[str, Any], *, host: str = "", vertex_project: str = "",
           region: str = "", pipeline_root: str = "", run_name: Optional[str] = None) -> str:
    if host and vertex_project:
        raise SubmitError("use either --host (Kubeflow) or --vertex-project (Vertex AI), not both")
    if host:
        return submit_to_kubeflow(path, params, host, run_name)
    if vertex_project:
        if not region:
            raise SubmitError("--region is required with --vertex-project")
        return submit_to_vertex(path, params, vertex_project, region, pipeline_root, run_name)
    raise SubmitError("nowhere to submit: give --host URL or --vertex-project P --region R "
                      "(or set kubeflow.host / kubeflow.vertex_project in adapt.yaml)")


def _target_kwargs(mode: str, host: str, project: str, region: str, pipeline_root: str) -> Dict[str, str]:
    if mode == "kubeflow":
        if not host:
            raise SubmitError("trigger mode kubeflow needs kubeflow.host")
        return {"host": host}
    if mode == "vertex":
        return {"vertex_project": project, "region": region, "pipeline_root": pipeline_root}
    raise SubmitError(f"cannot submit in mode {mode!r}: expected kubeflow or vertex")


def start_training_run(mode: str, target: Mapping[str, Any], window: SpanWindow) -> str:
    """Starts the compiled training pipeline on exactly the window's spans (PipelineTrigger's remote modes)."""
    from pipeline.definitions.window_inputs import window_input_config_json
    size = int(target.get("window_size") or len(window.spans))
    params = {"input_config": window_input_config_json(window, size)}
    return submit(target["pipeline_spec"], params, run_name=f"adapt-training spans {window}",
                  **_target_kwargs(mode, target.get("host", ""), target.get("project", ""),
                                   target.get("region", ""), target.get("pipeline_root", "")))


def start_batch_evaluation_run(mode: str, config: Config, pipeline_spec: str, batch_uri: str) -> str:
    """Starts the compiled batch-evaluation pipeline on one batch (the watcher and the cloud function)."""
    params = {"batch_uri": batch_uri, "performance_threshold": float(config.performance.threshold)}
    name = f"adapt-batch-evaluation {batch_uri.rstrip('/').rsplit('/', 1)[-1]}"
    return submit(pipeline_spec, params, run_name=name,
                  **_target_kwargs(mode, config.kubeflow.host, config.kubeflow.vertex_project,
                                   config.kubeflow.vertex_region, config.kubeflow.pipeline_root))
