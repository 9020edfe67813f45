"""`adapt demo`: four years of Chicago taxi trips replayed through the system, quarter by quarter.

1. `adapt data taxi`: sixteen quarterly batches in incoming/, 2013-Q1 as span 1;
2. the first model, trained on span 1 and pushed;
3. every later quarter arrives as a batch and goes through the batch-evaluation
   pipeline: the serving model's accuracy on it (before any retraining on
   it), drift against its training spans, and, when the policy says so, a new
   span and a training run on the window of spans ending there;
4. reports/: a markdown table, a JSON list with one object per quarter, and a
   PNG of accuracy over the quarters.
"""
import time
from typing import Callable, Dict, List, Optional

from core import versions
from core.config import Config
from core.data.batches import Batch
from core.data.spans import SpanWindow
from core.workspace import Workspace
from models.taxi import dataset
from pipeline.local.beam import echo_stderr

FIRST_QUARTER = "2013-Q1"


def replay_quarters(workspace: Workspace, limit: Optional[int]) -> List[str]:
    quarters = sorted(p.name for p in workspace.incoming.iterdir() if p.is_dir() and p.name != FIRST_QUARTER)
    return quarters[:limit] if limit is not None else quarters


def quarter_row(outcome) -> Dict:
    return {
        "quarter": outcome.batch,
        "serving_version": outcome.serving_version,
        "accuracy": outcome.metrics.get("accuracy"),
        "auc": outcome.metrics.get("auc"),
        "drifted_features": outcome.drifted_features,
        "retrained": outcome.triggered,
        "pushed_version": outcome.pushed_version,
        "reason": outcome.reason,
        "training_outcome": outcome.training_outcome,
        "train_seconds": outcome.train_seconds,
        "evaluate_seconds": round(outcome.seconds - outcome.train_seconds, 1),
    }


def run_demo(workspace: Workspace, config: Config, quarters: Optional[int] = None,
             echo: Callable[[str], None] = echo_stderr) -> List[Dict]:
    from pipeline.local.batch_evaluation import run_batch_evaluation
    from pipeline.local.training import run_training
    from pipeline.replay import reports

    policy = config.retraining.policy
    started = time.perf_counter()
    echo(f"adapt demo in {workspace.root} (policy: {policy})")
    written = dataset.write_quarterly_batches(workspace.incoming, workspace.data,
                                              test_fraction=config.data.test_fraction)
    echo(f"1. data: {len(written)} new quarterly batch(es) in {workspace.incoming}; span 1 = {FIRST_QUARTER}")

    base = workspace.serving_model_dir(config)
    if versions.production_version(base) is None:
        echo("2. the first model, trained on span 1")
        outcome = run_training(workspace, config, SpanWindow(1, 1), trigger="demo", reason="initial model",
                               echo=echo)
        echo(f"   {outcome.reason}; accuracy on its test split {outcome.candidate_metrics.get('accuracy')}")
        if versions.production_version(base) is None:
            raise RuntimeError(f"the first model was not pushed ({outcome.reason})")
    else:
        echo(f"2. serving version {versions.production_version(base)} already in {base}")

    todo = replay_quarters(workspace, quarters)
    echo(f"3. replaying {len(todo)} quarter(s)")
    rows = []
    for index, quarter in enumerate(todo, start=1):
        batch = Batch(str(workspace.incoming / quarter), label=config.model.label)
        if batch.is_processed():
            echo(f"   [{index}/{len(todo)}] {quarter}: already processed in an earlier run; skipped")
            continue
        outcome = run_batch_evaluation(workspace, config, str(workspace.incoming / quarter),
                                       trigger=policy != "static", echo=None)
        row = quarter_row(outcome)
        rows.append(row)
        training = f" -> {outcome.training_outcome} ({outcome.train_seconds:.0f}s)" if outcome.triggered else ""
        echo(f"   [{index}/{len(todo)}] {quarter}: accuracy {row['accuracy']:.3f} with version "
             f"{outcome.serving_version}; {'retrain' if outcome.retrain else 'keep'}: {outcome.reason}{training}")

    written_reports = reports.write_demo_reports(workspace.reports, policy, rows)
    echo(f"4. reports: {', '.join(str(p) for p in written_reports)}  (total {time.perf_counter() - started:.0f}s)")
    return rows
