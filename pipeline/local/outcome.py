"""What a training run decided (`TrainingOutcome`), and how `adapt train` knows, before TensorFlow or TFX load,
that a run would only decide it again.

TFX's cache serves an unchanged component from ML Metadata, but only once the
pipeline has been built and run: 6-13 s of imports, and, right after a push,
an Evaluator comparing the candidate with itself (now the serving model). A
run's inputs are fingerprinted instead (`inputs_fingerprint`: the whole
configuration, the kept schema, every span of the window (its source record
and files), the model package's code and adapt's own training code, the
versions of TFX, TensorFlow and TF-DF) and recorded with its RetrainingEvent.
`previous_outcome` answers a run whose inputs match those of the model's
newest event, when that event did not stop and the version serving now is the
one serving after it; anything in between (a push, a rollback, a new span, an
edited adapt.yaml) and the run goes ahead. `adapt train --no-cache` always runs.
"""
import hashlib
import importlib.metadata
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from core import versions
from core.config import Config
from core.data import spans
from core.data.spans import SpanWindow
from core.workspace import Workspace

# adapt's code that decides what a training run does (tests excluded)
_ADAPT_ROOT = Path(__file__).resolve().parents[2]
TRAINING_CODE = ("core", "components", "models", "pipeline/definitions", "pipeline/local", "serving")
LIBRARIES = ("tfx", "tensorflow", "tensorflow-decision-forests", "tensorflow-transform")
NOTHING_NEW = "nothing new since training run"


@dataclass
class TrainingOutcome:
    window: str
    spans: list
    pushed: bool
    version: Optional[int]
    production_version: Optional[int]
    baseline_version: Optional[int]
    reason: str
    candidate_metrics: Dict[str, float] = field(default_factory=dict)
    baseline_metrics: Dict[str, float] = field(default_factory=dict)
    model_uri: str = ""
    trained: bool = True          # False when the Trainer result came from the cache (or nothing ran)
    seconds: float = 0.0
    event_id: Optional[int] = None
    holdout: str = ""             # the spans whose test splits candidate and baseline were compared on
    holdout_rows: int = 0
    window_choice: Dict[str, float] = field(default_factory=dict)  # training.window auto: window -> accuracy
    inputs: str = ""              # inputs_fingerprint of the run

    def to_dict(self):
        return asdict(self)


def _python_files(folder: Path) -> Iterable[Path]:
    return sorted(path for path in folder.rglob("*.py") if not path.name.endswith("_test.py"))


def _span_identity(data_root: Path, span: int) -> Dict:
    folder = spans.span_dir(data_root, span)
    files = sorted((str(path.relative_to(folder)), path.stat().st_size) for path in folder.rglob("*")
                   if path.is_file())
    return {"span": span, "source": spans.read_source(data_root, span), "files": files}


def inputs_fingerprint(workspace: Workspace, config: Config, window: SpanWindow, package_module: str) -> str:
    """A digest of everything a training run on `window` reads (spans are immutable: their records and file
    sizes name them)."""
    digest = hashlib.sha256()
    window = window.without(spans.rejected_spans(workspace.data))
    described = {"config": config.to_dict(), "window": str(window),
                 "spans": [_span_identity(workspace.data, span) for span in window.spans],
                 "libraries": {name: importlib.metadata.version(name) for name in LIBRARIES}}
    digest.update(json.dumps(described, sort_keys=True, default=str).encode())
    schema = workspace.schema_file
    digest.update(schema.read_bytes() if schema.exists() else b"no schema")
    package = sys.modules.get(package_module)
    folders: List[Path] = [_ADAPT_ROOT / part for part in TRAINING_CODE]
    if package is not None and getattr(package, "__file__", None):
        folders.append(Path(package.__file__).resolve().parent)
    for folder in folders:
        for path in _python_files(folder):
            digest.update(str(path).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def previous_outcome(workspace: Workspace, config: Config, window: SpanWindow) -> Optional[TrainingOutcome]:
    """The outcome of the model's newest training run when a run on `window` now would have the same inputs and
    the same serving version; None when it would not (then train)."""
    from pipeline.lineage.graph import Metadata, prop
    from pipeline.lineage.queries import retraining_events
    started = time.perf_counter()
    if not workspace.schema_file.exists():
        return None
    model = workspace.model_package(config)
    meta = Metadata.of(workspace, config)
    events = retraining_events(meta, config.model.name)
    if not events:
        return None
    newest = events[-1]
    serving = versions.production_version(workspace.serving_model_dir(config))
    outcome = str(prop(newest, "outcome", ""))
    if (not prop(newest, "inputs") or outcome.startswith("stopped") or prop(newest, "production_version") != serving
            or prop(newest, "inputs") != inputs_fingerprint(workspace, config, window, model.module)):
        return None
    holdout = json.loads(prop(newest, "holdout", "{}") or "{}")
    return TrainingOutcome(
        window=str(prop(newest, "spans")), spans=list(window.without(spans.rejected_spans(workspace.data)).spans),
        pushed=False, version=None, production_version=serving, baseline_version=prop(newest, "baseline_version"),
        reason=f"{NOTHING_NEW} {newest.id}, which ended: {outcome}",
        candidate_metrics=json.loads(prop(newest, "candidate_metrics", "{}") or "{}"),
        baseline_metrics=json.loads(prop(newest, "baseline_metrics", "{}") or "{}"),
        trained=False, seconds=round(time.perf_counter() - started, 1), event_id=newest.id, holdout=holdout.get("spans", ""), holdout_rows=holdout.get("rows", 0),
        inputs=prop(newest, "inputs"))
