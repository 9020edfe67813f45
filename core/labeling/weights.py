"""How each labeled row of a batch was chosen: its inclusion probability, when one was recorded.

Two places say it: the labels file's own `inclusion_probability` column (to-label.csv carries it, so a reviewer's
filled-in copy saved as the batch's labels file brings it back), else the request `adapt labels request` left in
the batch folder (REQUEST_FILE). Rows named by the model server's request ids are translated as the labels are.
Nothing recorded: {} (the labeled rows are then taken as a uniform sample).
"""
import csv
import json
from typing import Dict

from core.data.batch.labels import LabeledBatch
from core.labeling.acquisition import PROBABILITY_COLUMN, REQUEST_FILE, LabelRequest

ID_COLUMNS = ("instance_id", "request_id")


def recorded_inclusion_probabilities(batch: LabeledBatch) -> Dict[str, float]:
    """{instance id: inclusion probability} of the rows a labels file or a label request names."""
    if batch.has_labels_file():
        with batch.open(batch.labels_file, "rt") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            key = next((name for name in ID_COLUMNS if name in columns), None)
            if key and PROBABILITY_COLUMN in columns:
                by_request = batch.request_ids()
                found = {}
                for row in reader:
                    try:
                        found[by_request.get(row[key], row[key])] = float(row[PROBABILITY_COLUMN])
                    except (TypeError, ValueError):
                        continue
                return found
    if batch.exists(REQUEST_FILE):
        with batch.open(REQUEST_FILE, "rt") as handle:
            return LabelRequest.from_dict(json.loads(handle.read())).probabilities()
    return {}
