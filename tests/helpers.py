"""Test helpers: tiny models in adapt's export format, and small taxi workspaces."""
import csv
import json
import os
from pathlib import Path
from typing import List, Optional, Sequence

TINY_FEATURES = {"trip_miles": "float", "payment_type": "string", "trip_start_hour": "int"}


def save_tiny_model(path: str, weight: float, spans: Sequence[int] = (1,)) -> str:
    """A SavedModel with adapt's serving signature: P = sigmoid(weight * miles + [cash] - 0.5)."""
    import tensorflow as tf

    class Tiny(tf.Module):
        def __init__(self):
            super().__init__()
            self.weight = tf.Variable(weight, dtype=tf.float32)

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
        def serve(self, examples):
            parsed = tf.io.parse_example(examples, {
                "trip_miles": tf.io.FixedLenFeature([], tf.float32, default_value=0.0),
                "payment_type": tf.io.FixedLenFeature([], tf.string, default_value=""),
                "trip_start_hour": tf.io.FixedLenFeature([], tf.int64, default_value=0)})
            cash = tf.cast(tf.equal(parsed["payment_type"], "Cash"), tf.float32)
            logit = self.weight * parsed["trip_miles"] + cash - 0.5
            return {"outputs": tf.expand_dims(tf.sigmoid(logit), -1)}

    module = Tiny()
    tf.saved_model.save(module, path, signatures={"serving_default": module.serve})
    os.makedirs(os.path.join(path, "assets.extra"), exist_ok=True)
    with open(os.path.join(path, "assets.extra", "adapt_model.json"), "w") as handle:
        json.dump({"label": "big_tipper", "raw_features": TINY_FEATURES, "spans": list(spans)}, handle)
    return path


def taxi_rows(quarter: str, limit: Optional[int] = None):
    """Header and rows of one real taxi quarter (labelled), optionally the first `limit` rows."""
    from models.taxi import dataset
    header, quarters = dataset.labeled_quarters()
    rows = quarters[quarter]
    return header, rows[:limit] if limit else rows


def write_csv(path: Path, header: Sequence[str], rows: List[Sequence[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def artifact(kind, uri, **properties):
    """An output artifact of `kind` at `uri`, as a TFX launcher would hand it to an executor."""
    instance = kind()
    instance.uri = str(uri)
    for name, value in properties.items():
        setattr(instance, name, value)
    return instance
