"""`adapt ui`'s GET /metrics: what the batch evaluations measured and decided, in Prometheus' text format, so an
existing Prometheus scrapes it and Grafana charts and alerts on it.

Each batch evaluation is one series per measure, labelled by model, batch, evaluation (its pipeline run id: a
batch whose labels came later is evaluated twice) and the serving version that was evaluated. The counters are the
model's life so far (the first model, trained before any batch, is not a push). Read afresh from the workspace at
every scrape, as every page is. An evaluation of a batch labeled on some rows only gives its estimate from them
(adapt_batch_partial_metric) and how many rows that is (adapt_batch_labeled_rows), not adapt_batch_metric: that
comes with the evaluation on all of its labels.
"""
from typing import Any, Dict, Iterable, List

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from pipeline.presentation import is_partial
from pipeline.ui.views import Views

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
EVALUATION_LABELS = ["model", "batch", "evaluation", "serving_version", "metric"]


def _gauge(name: str, documentation: str, rows: List[Dict[str, Any]], model: str, value_of) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=EVALUATION_LABELS)
    for row in rows:
        value = value_of(row)
        if value is not None:
            family.add_metric([model, row["batch"], row["run_id"], str(row["serving_version"]), row["metric"]],
                              float(value))
    return family


def families(views: Views) -> List[Metric]:
    model = views.config.model.name
    rows = views.batch_evaluations()
    history = views.history()
    found: List[Metric] = [
        _gauge("adapt_batch_metric", "The serving model's watched metric on the batch, from its labels (all of them)",
               rows, model, lambda r: None if is_partial(r, r["metric"]) else r["value"]),
        _gauge("adapt_batch_partial_metric", "The metric estimated from the labeled rows when only some of the "
               "batch's rows are labeled (weighted by how each was chosen)", rows, model,
               lambda r: r.get(f"partial_{r['metric']}")),
        _gauge("adapt_batch_labeled_rows", "Labeled rows the partial estimate comes from (only while some, not all, "
               "of the batch's rows are labeled)", rows, model,
               lambda r: r.get("labeled_rows") if is_partial(r, r["metric"]) else None),
        _gauge("adapt_batch_estimated_metric", "The metric estimated from the model's predictions, before labels",
               rows, model, lambda r: r["estimated"]),
        _gauge("adapt_batch_estimate_band_low", "Low end of the estimate's band", rows, model,
               lambda r: r["estimated_low"]),
        _gauge("adapt_batch_estimate_band_high", "High end of the estimate's band", rows, model,
               lambda r: r["estimated_high"]),
        _gauge("adapt_batch_outside_band", "1 when the realized metric fell outside the estimate's band", rows, model,
               _outside),
        _gauge("adapt_batch_drifted", "1 when drift decided for retraining (the batch-level rule), else 0", rows, model,
               lambda r: int(r["drifted"])),
        _gauge("adapt_batch_deciding_features_drifted", "Features the model uses whose adjusted p-value crossed the "
               "false-alarm rate", rows, model, lambda r: len(r["drifted_features"])),
        _gauge("adapt_batch_retrain_decision", "1 when the evaluation decided to retrain", rows, model,
               lambda r: int(bool(r["retrain"]))),
        _gauge("adapt_batch_rows", "Rows in the batch", rows, model, lambda r: r.get("rows")),
        _gauge("adapt_batch_evaluated_timestamp_seconds", "When the batch was evaluated", rows, model,
               lambda r: r["evaluated_at"]),
    ]
    serving = GaugeMetricFamily("adapt_model_serving_version", "The production version now", labels=["model"])
    serving.add_metric([model], float(views.serving_version() or 0))
    found.append(serving)
    pushes = max(sum(1 for r in history if r["event"] == "retraining" and r["updated"]) - 1, 0)
    for name, documentation, value in (
            ("adapt_retrains", "Retrainings batch evaluations started", sum(1 for r in rows if r["triggered"])),
            ("adapt_pushes", "Models pushed after the first one", pushes),
            ("adapt_declines", "Candidates the validation declined", sum(1 for r in rows if r["declined"])),
            ("adapt_rollbacks", "Rollbacks", sum(1 for r in history if r["event"] == "rollback"))):
        counter = CounterMetricFamily(name, documentation, labels=["model"])
        counter.add_metric([model], float(value))
        found.append(counter)
    return found


def _outside(row: Dict[str, Any]):
    if row["value"] is None or is_partial(row, row["metric"]) or row["estimated_low"] is None or row["estimated_high"] is None:
        return None
    return int(not row["estimated_low"] <= row["value"] <= row["estimated_high"])


class _Collected:
    def __init__(self, found: Iterable[Metric]):
        self.found = list(found)

    def collect(self) -> Iterable[Metric]:
        return self.found


def exposition(views: Views) -> str:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collected(families(views)))
    return generate_latest(registry).decode()
