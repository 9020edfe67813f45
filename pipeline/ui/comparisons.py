"""Two models compared on one holdout: the newer one's (the test splits its Evaluator read), both scored there
through their serving signatures, as the Evaluator's paired test scores a candidate and the serving model.

A candidate and the model it was validated against already share a holdout (the registry holds both figures);
any other pair is scored here, once: the result is cached in reports/comparisons/ (models and holdouts are never
rewritten), so a page load reads a small JSON file. Scoring needs TensorFlow and the two SavedModels: the
dashboard runs it in a child process (`python -m pipeline.ui.comparisons`), so the dashboard itself stays light and
a model that crashes TensorFlow cannot take it down. When the holdout's files or a model's are gone, the result
says why, and the page shows the two apart without ranking them.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from core.workspace import Workspace
from pipeline.definitions import names

COMPARISONS_FOLDER = "comparisons"   # under the workspace's reports/
RESCORE_TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class Comparison:
    newer: str                    # 'v6', 'candidate 47': whose holdout the rows are
    older: str
    holdout: Dict[str, Any]       # {spans, rows}: the newer model's holdout, as the registry records it
    metrics: Dict[str, Dict[str, float]] = field(default_factory=dict)   # model key -> {metric: value}
    rows: int = 0                 # the labeled holdout rows both models answered
    problem: str = ""             # why the two could not be scored on one holdout ('' when they were)
    scored_at: float = 0.0

    @property
    def ranked(self) -> bool:
        return not self.problem and bool(self.metrics)


def model_key(row: Dict[str, Any]) -> str:
    """'v5', or 'candidate 47' for a declined one (its MLMD model id)."""
    return f"v{row['version']}" if row.get("version") else f"candidate {row.get('model_id')}"


def cache_path(workspace: Workspace, newer: Dict[str, Any], older: Dict[str, Any]) -> Path:
    return workspace.reports / COMPARISONS_FOLDER / f"model-{newer['model_id']}-vs-{older['model_id']}.json"


def cached(workspace: Workspace, newer: Dict[str, Any], older: Dict[str, Any]) -> Optional[Comparison]:
    path = cache_path(workspace, newer, older)
    try:
        return Comparison(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def on_newer_holdout(workspace: Workspace, newer: Dict[str, Any], older: Dict[str, Any],
                     rescore: bool = True) -> Optional[Comparison]:
    """The cached comparison; else, with `rescore`, one scored now in a child process (None without `rescore`).
    A child that fails is cached too, saying what went wrong, so that no page load tries again (delete the file
    in reports/comparisons/ to)."""
    found = cached(workspace, newer, older)
    if found is not None or not rescore:
        return found
    command = [sys.executable, "-m", "pipeline.ui.comparisons", "--workdir", str(workspace.root),
               str(newer["model_id"]), str(older["model_id"])]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=RESCORE_TIMEOUT_SECONDS,
                              env={**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"})
        failure = "" if done.returncode == 0 else (done.stderr.strip().splitlines() or ["no message"])[-1]
    except subprocess.TimeoutExpired:
        failure = f"scoring took over {RESCORE_TIMEOUT_SECONDS} s"
    found = cached(workspace, newer, older)
    if found is None:
        found = _with(Comparison(model_key(newer), model_key(older), newer.get("holdout") or {}),
                      problem=f"scoring failed: {failure or 'no result written'}")
        write(workspace, newer, older, found)
    return found


# -- scoring (TensorFlow; the child process) ---------------------------------------------------------------------
def holdout_files(meta, model_id: int) -> List[str]:
    """The files of the test splits the model's (latest) Evaluator run read: its holdout."""
    from pipeline.lineage.graph import prop
    evaluations = [execution for execution in meta.consumers(model_id)
                   if meta.execution_node(execution) == names.EVALUATOR
                   and model_id in [artifact.id for artifact in meta.inputs(execution.id, "model")]]
    if not evaluations:
        return []
    latest = evaluations[-1]
    splits = json.loads(prop(latest, "example_splits", "null") or "null") or ["eval"]
    return [str(path) for artifact in meta.inputs(latest.id, "examples") for split in splits
            for path in sorted(Path(artifact.uri, f"Split-{split}").glob("*"))]


def model_folder(row: Dict[str, Any], serving_base: str) -> Optional[str]:
    """The model's SavedModel: the Trainer's output, else its pushed version's folder; None when both are gone."""
    candidates = [os.path.join(row["model_uri"], "Format-Serving")] if row.get("model_uri") else []
    if row.get("version"):
        candidates.append(os.path.join(serving_base, str(row["version"])))
    return next((path for path in candidates if os.path.isfile(os.path.join(path, "saved_model.pb"))), None)


def metrics_of(outputs, examples, info: Dict[str, Any]) -> Dict[str, float]:
    """accuracy (classes), or mae and rmse (a number), of one model's outputs on the labeled examples."""
    import numpy as np

    from core import importance
    from core.contract import is_regression, model_classes
    outputs = np.asarray(outputs, dtype=float)
    if is_regression(info):
        labels = importance.label_values(examples, info["label"])
        kept = np.isfinite(labels)
        errors = outputs.reshape(-1)[kept] - labels[kept]
        return {"mae": float(np.abs(errors).mean()), "rmse": float(np.sqrt((errors ** 2).mean())),
                "examples": int(kept.sum())} if kept.any() else {}
    labels = importance.label_indices(examples, info["label"], model_classes(info))
    kept = labels >= 0
    right = importance.predicted_classes(outputs)[kept] == labels[kept]
    return {"accuracy": float(right.mean()), "examples": int(kept.sum())} if kept.any() else {}


def score(workspace: Workspace, newer_id: int, older_id: int) -> Comparison:
    """Both models (MLMD ids) scored on the newer one's holdout; the problem said when that cannot be done."""
    import tensorflow as tf

    from pipeline.lineage import registry
    from pipeline.lineage.graph import Metadata
    from serving.model import recent_model
    config = workspace.load_config()
    rows = {row.get("model_id"): row for row in registry.list_models(workspace, config, with_metrics=False)}
    newer, older = rows.get(newer_id), rows.get(older_id)
    if newer is None or older is None:
        raise SystemExit(f"no trained model with id {newer_id if newer is None else older_id}")
    said = Comparison(model_key(newer), model_key(older), newer.get("holdout") or {})
    files = holdout_files(Metadata.of(workspace, config), newer_id)
    if not files:
        return _with(said, problem=f"the holdout files of {said.newer} are gone")
    base = workspace.serving_model_dir(config)
    folders = {said.newer: model_folder(newer, base), said.older: model_folder(older, base)}
    gone = [key for key, folder in folders.items() if folder is None]
    if gone:
        return _with(said, problem=f"the model files of {' and '.join(gone)} are gone")
    examples = [tf.train.Example.FromString(record.numpy())
                for record in tf.data.TFRecordDataset(files, compression_type="GZIP")]
    serialized = [example.SerializeToString() for example in examples]
    metrics = {}
    for key, folder in folders.items():
        model = recent_model(folder)
        metrics[key] = metrics_of(model.predict_serialized(serialized), examples, model.info)
    if not all(metrics.values()) or len({found.get("examples") for found in metrics.values()}) != 1:
        return _with(said, problem="the two models do not read the holdout's labels alike")
    return _with(said, metrics=metrics, rows=metrics[said.newer]["examples"])


def _with(said: Comparison, **changes) -> Comparison:
    return Comparison(**{**asdict(said), **changes, "scored_at": time.time()})


def write(workspace: Workspace, newer: Dict[str, Any], older: Dict[str, Any], comparison: Comparison) -> Path:
    path = cache_path(workspace, newer, older)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(asdict(comparison), indent=1, sort_keys=True))
    temporary.replace(path)
    return path


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description="Score two models on the newer one's holdout; cache the result.")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("newer", type=int, help="the newer model's ML Metadata id")
    parser.add_argument("older", type=int, help="the older model's ML Metadata id")
    args = parser.parse_args(argv)
    workspace = Workspace(Path(args.workdir))
    comparison = score(workspace, args.newer, args.older)
    print(write(workspace, {"model_id": args.newer}, {"model_id": args.older}, comparison))


if __name__ == "__main__":
    main()
