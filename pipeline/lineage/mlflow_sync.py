"""Optional MLflow registry sync: each push registers the version, alias `production` follows the serving one.

Enabled by `mlflow.tracking_uri` in adapt.yaml. MLMD stays the source of truth;
MLflow gets a mirror for teams whose tools read its registry. Each adapt
version becomes an MLflow model version tagged `adapt_version`, with a run
holding its metrics and spans; the alias `production` moves on every push and
rollback, and the version it leaves is tagged `stage=archived`.

MLflow 3 keeps its plain-file backend only behind MLFLOW_ALLOW_FILE_STORE;
a `file:` URI here opts in (handy for a laptop and for tests). Use an MLflow
server (http://...) for a shared registry.
"""
import os
from typing import Dict, Optional

from core.config import Config

ALIAS = "production"


def _client(config: Config):
    uri = config.mlflow.tracking_uri
    if uri.startswith("file:") or "://" not in uri:
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    import mlflow
    from mlflow import MlflowClient
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    if not client.search_registered_models(filter_string=f"name='{config.model.name}'"):
        client.create_registered_model(config.model.name, description="Pushed by adapt (mirrors ML Metadata).")
    return mlflow, client


def mlflow_version(client, name: str, adapt_version: int) -> Optional[str]:
    for version in client.search_model_versions(f"name='{name}'"):
        if version.tags.get("adapt_version") == str(adapt_version):
            return version.version
    return None


def _move_alias(client, name: str, mlflow_version_number: str) -> None:
    try:
        previous = client.get_model_version_by_alias(name, ALIAS)
    except Exception:  # no alias yet
        previous = None
    if previous is not None and previous.version != mlflow_version_number:
        client.set_model_version_tag(name, previous.version, "stage", "archived")
    client.set_registered_model_alias(name, ALIAS, mlflow_version_number)
    client.set_model_version_tag(name, mlflow_version_number, "stage", "production")


def sync_push(config: Config, version: int, model_dir: str, spans: str, metrics: Dict[str, float],
              training_mode: str = "") -> str:
    """Registers a pushed version and makes it MLflow's `production`; returns the MLflow version number."""
    mlflow, client = _client(config)
    mlflow.set_experiment(f"adapt-{config.model.name}")
    with mlflow.start_run(run_name=f"{config.model.name} v{version}") as run:
        mlflow.log_params({"spans": spans, "training_mode": training_mode, "adapt_version": version})
        mlflow.log_metrics({k: float(v) for k, v in metrics.items()})
    created = client.create_model_version(config.model.name, source=model_dir, run_id=run.info.run_id,
                                          tags={"adapt_version": str(version), "spans": spans})
    _move_alias(client, config.model.name, created.version)
    return created.version


def set_production(config: Config, version: int) -> Optional[str]:
    """After a rollback: the alias follows the serving version (when that version was synced)."""
    _, client = _client(config)
    number = mlflow_version(client, config.model.name, version)
    if number is not None:
        _move_alias(client, config.model.name, number)
    return number
