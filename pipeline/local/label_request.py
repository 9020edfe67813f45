"""`adapt labels request`: the rows of a batch worth labeling, chosen with the serving model (active testing).

The serving model answers the batch in this process, as the model server would (serving/model.py: the same
examples and model calls); its calibration (a classifier) or error model (a regression model), both exported
beside it, turn the answers into each row's expected loss; core/labeling/acquisition.py chooses the rows.
Written: to-label.csv (the ids, each row's inclusion probability, the features and an empty label column) and
the request in the batch folder (a dot file: the batch's fingerprint stays), from which PerformanceEvaluator
weights the labels when they come, and an adapt.LabelRequest execution in ML Metadata (budget, rows, chosen,
the weights file), which `adapt history` lists. A batch made from the prediction log (`adapt batch from-log`)
names its rows in to-label.csv by the request ids the server returned. An image batch's rows are its image files:
the image model answers each file's bytes, and to-label.csv names the chosen files (instance_id and file).
"""
import datetime
import itertools
import json
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

import numpy as np

from core import versions
from core.config import Config
from core.contract import is_regression, read_calibration
from core.data.examples import csv_row_to_instance
from core.errors import BatchError, UsageError
from core.labeling.acquisition import (DEFAULT_BUDGET, REQUEST_FILE, LabelRequest, choose_rows,
                                       expected_classification_loss)
from core.labeling.estimators import classification_loss_variance, default_uniform_share, sampling_weights
from core.workspace import Workspace

ROWS_PER_CALL = 1000
IMAGES_PER_CALL = 64
IMAGE_FILE_COLUMN = "file"   # to-label.csv of an image batch names each image file (also its instance id)


def expected_losses(model, calibration: Optional[dict], outputs: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Each row's expected loss from the model's outputs and that loss's variance: 1 - the calibrated confidence
    of the predicted class, p (1 - p) (a classifier); the error model's expected |error| and its bin's spread (a
    regression model; none exported: equal losses, so a uniform sample)."""
    if is_regression(model.info):
        from core.error_estimation import ErrorModel
        if not (calibration or {}).get("error_model"):
            return np.ones(len(outputs)), np.ones(len(outputs))
        error_model = ErrorModel.from_dict(calibration)
        return error_model.predict(outputs[:, 0]), error_model.variance(outputs[:, 0])
    from core.estimation import Calibrator, as_class_probabilities, predicted_confidence
    raw = as_class_probabilities(outputs)
    calibrated = Calibrator.from_dict(calibration or {}).apply(raw)
    if calibration is None:
        loss = expected_classification_loss(calibrated)
    else:
        loss = 1.0 - predicted_confidence(calibrated, raw.argmax(axis=1))
    return loss, classification_loss_variance(loss)


def _rows(batch, header: List[str]) -> Iterator[Tuple[str, List[str]]]:
    if batch.format == "files":   # an image batch: one row per image file, named by it
        yield from ((name, [name]) for name in batch.data_files())
        return
    for name, index, row in batch.iter_rows(header):
        yield f"{name}:{index}", row


def _instances(batch, header: List[str], model, chunk: List[Tuple[str, List[str]]]) -> List[dict]:
    """The model's request instances of a chunk of rows: a CSV/TFRecord row's features, an image file's bytes."""
    if batch.format == "files":
        from core.data.images import IMAGE_FEATURE
        instances = []
        for name, _ in chunk:
            with batch.open(name, "rb") as handle:
                instances.append({IMAGE_FEATURE: handle.read()})
        return instances
    return [csv_row_to_instance(header, row, model.raw_types, f"batch {batch.batch_id}: {row_id}: ")
            for row_id, row in chunk]


def request_labels(workspace: Workspace, config: Config, batch_path: str, budget: int = DEFAULT_BUDGET,
                   uniform_share: Optional[float] = None, seed: int = 0, output: Optional[str] = None,
                   estimator: Optional[str] = None) -> Tuple[LabelRequest, Path]:
    """Chooses `budget` rows of the batch to label, drawn by the sampling weights of `estimator` (default:
    performance.label_estimator) mixed with `uniform_share` (default: the estimator's); returns the request and
    where to-label.csv was written."""
    from serving.model import load_model
    estimator = estimator or config.performance.label_estimator
    uniform_share = default_uniform_share(estimator) if uniform_share is None else uniform_share
    if not 0.0 < uniform_share <= 1.0:
        raise UsageError(f"--uniform-share must be in (0, 1], not {uniform_share}")
    base = workspace.serving_model_dir(config)
    version = versions.production_version(base)
    if not version:
        raise BatchError(f"no serving model under {base}: run `adapt train` first")
    path = versions.version_path(base, version)
    model = load_model(path, version)
    label = model.info.get("label") or config.model.label
    batch = workspace.batch(batch_path, label=label, labels_file=config.data.labels_file)
    if batch.format not in ("csv", "tfrecord", "files"):
        raise BatchError(f"batch {batch.batch_id}: a {batch.format} batch has no rows to choose from")
    header = [IMAGE_FILE_COLUMN] if batch.format == "files" else batch.header()
    ids, outputs = [], []
    rows = _rows(batch, header)
    while True:
        chunk = list(itertools.islice(rows, IMAGES_PER_CALL if batch.format == "files" else ROWS_PER_CALL))
        if not chunk:
            break
        outputs += model.predict(_instances(batch, header, model, chunk), require=False)
        ids += [row_id for row_id, _ in chunk]
    if not ids:
        raise BatchError(f"batch {batch.batch_id} has no rows")
    losses, variances = expected_losses(model, read_calibration(path), np.asarray(outputs, dtype=float))
    weights = sampling_weights(estimator, losses, variances)
    chosen = {row.instance_id: row for row in choose_rows(ids, weights, budget, uniform_share, seed, losses)}
    features = [column for column in header if column != label]
    for row_id, row in _rows(batch, header):   # a second pass keeps only the chosen rows' text in memory
        if row_id in chosen:
            chosen[row_id].features.update(zip(header, row))
    request = LabelRequest(batch.batch_id, version, len(ids), min(budget, len(ids)), uniform_share, seed, label,
                           datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                           [chosen[row_id] for row_id in ids if row_id in chosen], sampling=estimator)
    target = Path(output) if output else workspace.reports / "label-requests" / batch.batch_id / "to-label.csv"
    by_request = {instance: request_id for request_id, instance in batch.request_ids().items()}
    request.write_csv(target, features, shown_ids=by_request)
    with batch.open(REQUEST_FILE, "wt") as handle:
        handle.write(json.dumps(request.to_dict(), indent=1))
    record_request(workspace, config, request, batch.file_path(REQUEST_FILE), target)
    return request, target


def record_request(workspace: Workspace, config: Config, request: LabelRequest, weights_file: str,
                   to_label: Path) -> int:
    """The request as an execution in ML Metadata (`adapt history` lists it); its id."""
    from pipeline.lineage.graph import Metadata
    from pipeline.lineage.records import LabelRequested
    return Metadata.of(workspace, config).record(LabelRequested(
        model_name=config.model.name, batch=request.batch, model_version=request.model_version, rows=request.rows,
        budget=request.budget, chosen=len(request.chosen), uniform_share=request.uniform_share, seed=request.seed,
        weights_file=weights_file, to_label=str(to_label), sampling=request.sampling))
