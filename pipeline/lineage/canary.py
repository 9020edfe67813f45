"""`adapt models canary-report BATCH`: the canary and the stable version on the requests each answered.

The batch is one `adapt batch from-log` made while the canary ran, with its
labels arrived: `_REQUEST_IDS.csv` says which version (and label: stable,
canary, shadow) answered each row and what it predicted. Each version is
scored on the rows it answered (a shadow's answers count for its version, on
the same rows as the stable one), and the difference canary − stable carries
a 90 % interval (two independent proportions, or means of absolute errors for
a regression model). No TensorFlow: the predictions are in the log.
"""
import csv
import json
import math
from statistics import NormalDist
from typing import Any, Dict, List

import numpy as np

from core.config import Config
from core.contract import is_regression, model_classes, read_model_info
from core.data.batch import REQUEST_IDS_FILE, Batch, label_text
from core.errors import UsageError
from core.importance import predicted_classes
from core.versions import version_path
from core.workspace import Workspace

CONFIDENCE = 0.90


def canary_report(workspace: Workspace, config: Config, batch_path: str) -> Dict[str, Any]:
    batch = Batch(batch_path, labels_file=config.data.labels_file)
    if not batch.exists(REQUEST_IDS_FILE):
        raise UsageError(f"{batch_path} was not made by `adapt batch from-log`: it says no version per row")
    if not batch.has_labels_file():
        raise UsageError(f"{batch_path} has no {batch.labels_file} yet: the report needs the labels")
    with batch.open(REQUEST_IDS_FILE, "rt") as handle:
        answered = list(csv.DictReader(handle))
    base = workspace.serving_model_dir(config)
    versions = sorted({int(row["version"]) for row in answered if row.get("version")})
    if not versions:
        raise UsageError(f"{batch_path}: no row names the version that answered it")
    label = config.model.label or read_model_info(version_path(base, versions[0])).get("label", "")
    labels = Batch(batch_path, label=label, labels_file=config.data.labels_file).labels_from_file()
    groups: Dict[str, Dict[str, Any]] = {}
    for row in answered:
        label = labels.get(row["instance_id"])
        if label is None or not row.get("version"):
            continue
        role = "canary" if row["label"] in ("canary", "shadow") else "stable" if row["label"] == "stable" else None
        if role is None:
            continue
        group = groups.setdefault(role, {"version": int(row["version"]), "labels": [], "predictions": []})
        group["labels"].append(label)
        group["predictions"].append(json.loads(row["prediction"]))
    if set(groups) != {"stable", "canary"}:
        raise UsageError(f"{batch_path}: labeled rows answered by {' and '.join(sorted(groups)) or 'no version'}; "
                         f"a comparison needs rows of both the stable version and the canary")
    info = read_model_info(version_path(base, groups["stable"]["version"]))
    regression = is_regression(info)
    classes = model_classes(info)
    scores = {role: _scores(group, classes, regression) for role, group in groups.items()}
    metric = "mae" if regression else "accuracy"
    difference = scores["canary"][metric] - scores["stable"][metric]
    spread = math.sqrt(scores["canary"]["variance"] / scores["canary"]["rows"]
                       + scores["stable"]["variance"] / scores["stable"]["rows"])
    z = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)
    better = (difference - z * spread > 0) if metric == "accuracy" else (difference + z * spread < 0)
    worse = (difference + z * spread < 0) if metric == "accuracy" else (difference - z * spread > 0)
    for found in scores.values():
        found.pop("variance")
    return {"batch": batch.batch_id, "metric": metric, "stable": scores["stable"], "canary": scores["canary"],
            "difference": round(difference, 4), "low": round(difference - z * spread, 4),
            "high": round(difference + z * spread, 4), "confidence": CONFIDENCE,
            "verdict": "canary better" if better else "canary worse" if worse else "no proven difference"}


def _scores(group: Dict[str, Any], classes: List[str], regression: bool) -> Dict[str, Any]:
    if regression:
        predicted = np.array([p if not isinstance(p, list) else p[0] for p in group["predictions"]], dtype=float)
        errors = np.abs(predicted - np.array([float(v) for v in group["labels"]]))
        return {"version": group["version"], "rows": len(errors), "mae": round(float(errors.mean()), 4),
                "variance": float(errors.var(ddof=1)) if len(errors) > 1 else 0.0}
    index = {label_text(name): i for i, name in enumerate(classes)}
    predicted = predicted_classes(np.array(group["predictions"], dtype=float))
    right = np.array([index.get(label, -1) == p for label, p in zip(group["labels"], predicted)], dtype=float)
    accuracy = float(right.mean())
    return {"version": group["version"], "rows": len(right), "accuracy": round(accuracy, 4),
            "variance": accuracy * (1 - accuracy)}
