"""Batch predictions on disk: sharded JSON-lines files, one record per instance.

BatchPredictionGen writes them (`predictions-*.jsonl` in its artifact
folder); PerformanceEvaluator and the notebooks read them. A record holds the
instance id (`<file>:<row or record>`, how a later labels file lines up), the
inline label if any (as its class name), the class probabilities, the
predicted class and, for two classes, `score` = P(second class); for a
regression model (no classes) `prediction` is the predicted value.
"""
import json
import os
from typing import Any, Dict, Iterator, List, Optional, Sequence

PREDICTIONS_PREFIX = "predictions"


def record(instance_id: str, label: Optional[str], output: Sequence[float], classes: Sequence[str]) -> Dict[str, Any]:
    """One prediction; `output` is the model's output row ([P(second class)] for two classes, [value] for a
    regression model, which has no classes)."""
    if not classes:
        return {"instance_id": instance_id, "label": label, "prediction": round(float(output[0]), 6)}
    if len(classes) == 2 and len(output) == 1:
        probabilities = [1.0 - float(output[0]), float(output[0])]
    else:
        probabilities = [float(p) for p in output]
    best = max(range(len(probabilities)), key=probabilities.__getitem__)
    found = {"instance_id": instance_id, "label": label, "probabilities": [round(p, 6) for p in probabilities],
             "prediction": classes[best]}
    if len(classes) == 2:
        found["score"] = round(probabilities[1], 6)
    return found


def shard_paths(uri: str) -> List[str]:
    from tfx.dsl.io import fileio
    return sorted(fileio.glob(os.path.join(uri, f"{PREDICTIONS_PREFIX}*")))


def iter_predictions(uri: str) -> Iterator[Dict[str, Any]]:
    """Every record of every shard, one at a time."""
    from tfx.dsl.io import fileio
    for path in shard_paths(uri):
        with fileio.open(path) as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


def read_predictions(uri: str) -> List[Dict[str, Any]]:
    return list(iter_predictions(uri))
