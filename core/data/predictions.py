"""Batch predictions on disk: JSON-lines files, one record per instance.

BatchPredictionGen writes them (`predictions*.jsonl` in its artifact folder);
PerformanceEvaluator and the notebooks read them. A record holds the
instance id (`<file>:<row or record>`), its input features, the inline label
if any, the score and the predicted class.
"""
import json
import os
from typing import Any, Dict, List

PREDICTIONS_PREFIX = "predictions"


def record(instance_id: str, instance: Dict[str, Any], score: float, label: str) -> str:
    return json.dumps({"instance_id": instance_id, "score": round(score, 6), "prediction": int(score >= 0.5),
                       "label": instance.get(label),
                       "features": {k: v for k, v in instance.items() if k != label}})


def read_predictions(uri: str) -> List[Dict[str, Any]]:
    from tfx.dsl.io import fileio
    records = []
    for path in sorted(fileio.glob(os.path.join(uri, f"{PREDICTIONS_PREFIX}*"))):
        with fileio.open(path) as handle:
            records += [json.loads(line) for line in handle.read().splitlines() if line.strip()]
    return records
