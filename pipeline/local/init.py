"""`adapt init`: a user's first batch becomes span 1, the kept schema and the tabular model's configuration.

    adapt init --data PATH --label COLUMN [--task classification|regression] [--name NAME] [--workdir W]

PATH is a folder of CSV or tf.Example TFRecord files, or one such file, or a
folder of images with a labels file (`file,<label>` rows). Before
anything is written, the batch is read and checked: PATH must exist, hold
rows, and have the label column; the workspace must have no spans yet. Each
refusal is one line and exit 2, and leaves the workspace as it was. Then:

1. every column's role is decided from its values (core/data/profile.py), and
   the label's task (a number with many values: regression) and, for
   classification, its classes are fixed; adapt.yaml is written with
   `model.module: models.tabular`, the label, the task, the classes and one `model.features` line per
   column (ignored columns also go to `drift.exclude`). Images get
   `model.module: models.images`, the label and its classes;
2. the rows (images) become span 1 with the same atomic span writer batches use;
3. SchemaGen infers the schema from span 1, curated and kept exactly as the
   first training run would (pipeline/local/training.py: ensure_schema).

`first_span` is the part `adapt data taxi` and `adapt replay` share: a batch
becomes span 1 and the workspace records it as used.
"""
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional, Sequence

from core.data import profile, spans
from core.data.batch import Batch
from core.data.ingest import write_batch_span
from core.errors import AdaptError, UsageError
from core.workspace import Workspace

TABULAR_MODULE = "models.tabular"
IMAGES_MODULE = "models.images"


@dataclass
class InitResult:
    workspace: Workspace
    batch: str
    rows: int
    span: int
    profiles: List[profile.ColumnProfile]
    classes: List[str]
    schema_file: Path
    seconds: float
    target: Optional[profile.LabelProfile] = None   # the label's task (None for images: classes)


def open_first_batch(workspace: Workspace, path: str, label: str) -> Batch:
    """The batch PATH names (a folder, or one data file of a folder), as the workspace records it."""
    if not os.path.exists(path):
        raise UsageError(f"--data {path}: no such file or folder")
    if os.path.isfile(path):
        return workspace.batch(os.path.dirname(os.path.abspath(path)), label=label, only=os.path.basename(path))
    return workspace.batch(os.path.abspath(path), label=label)


def read_first_batch(batch: Batch, path: str):
    """(header, rows) of the first batch; a batch without rows or without the label is refused."""
    try:
        header, by_file = batch.table()
    except AdaptError as err:
        if isinstance(err, UsageError):
            raise
        raise UsageError(f"--data {path}: {err}") from None
    rows = [row for file_rows in by_file.values() for row in file_rows]
    if not rows:
        raise UsageError(f"--data {path}: holds no rows")
    if batch.label not in header:
        shown = ", ".join(name if name.isprintable() else repr(name) for name in header)  # a name may hold a newline
        raise UsageError(f"--label {batch.label}: not a column of {path} (columns: {shown})")
    return header, rows


def image_classes(batch: Batch, path: str) -> List[str]:
    """The classes of a first batch of images, from its labels file; a batch without labeled images is refused."""
    try:
        if not batch.has_labels_file():
            raise UsageError(f"--data {path}: images need their labels in {batch.labels_file} (file,{batch.label})")
        labels = [label for label in batch.labels_from_file().values() if label is not None]
    except AdaptError as err:
        if isinstance(err, UsageError):
            raise
        raise UsageError(f"--data {path}: {err}") from None
    if not labels:
        raise UsageError(f"--data {path}: {batch.labels_file} labels no image")
    return profile.label_classes(batch.label, labels)


def first_span(workspace: Workspace, batch: Batch, test_fraction: float, reason: str,
               floats: Sequence[str] = ()) -> int:
    """Writes the batch's labeled rows or images as span 1 and records the batch as used in the workspace (its
    folder stays as it was); returns how many it wrote."""
    number = write_batch_span(batch, workspace.data, test_fraction, span=1, floats=floats,
                              source={"batch": batch.batch_id if not batch.only else Path(batch.only).stem,
                                      "reason": reason})
    if not batch.only:
        batch.write_state({"status": "span", "span": number, "labeled": True, "reason": reason})
    return sum(spans.read_source(workspace.data, number)["rows"].values())


def check_first_batch(batch: Batch, path: str) -> None:
    """Refuses, before anything is written, a first batch that cannot become span 1."""
    if batch.format == "files":
        image_classes(batch, path)
    else:
        read_first_batch(batch, path)


def initialize(workdir: Optional[str], data: str, label: str, name: str = "model",
               echo: Callable[[str], None] = print, task: str = "") -> InitResult:
    started = time.perf_counter()
    workspace = Workspace.open(workdir, create=False)
    present = spans.list_spans(workspace.data)
    if present:
        raise UsageError(f"{workspace.root} already has spans ({', '.join(map(str, present))}); adapt init starts "
                         f"a new workspace: give another --workdir")
    config = workspace.load_config()  # the defaults, unless adapt.yaml exists
    batch = open_first_batch(workspace, data, label)
    batch.labels_file = config.data.labels_file
    try:
        images = batch.format == "files"
    except AdaptError as err:
        raise UsageError(f"--data {data}: {err}") from None
    target = None
    if images:
        if task == "regression":
            raise UsageError(f"--task regression: {data} is a folder of images; the image model classifies")
        profiles, classes = [], image_classes(batch, data)
        workspace.ensure()
        config = config.with_overrides({"model.name": name, "model.module": IMAGES_MODULE, "model.label": label,
                                        "model.classes": classes, "model.kind": "nn"})
        workspace.write_config(config)
    else:
        header, rows = read_first_batch(batch, data)
        profiles = profile.profile_columns(header, rows, label)
        target = profile.label_task(label, [row[header.index(label)] for row in rows], task)
        classes = target.classes
        workspace.ensure()
        ignored = [p.name for p in profiles if p.role == "ignore"]
        config = config.with_overrides({
            "model.name": name, "model.module": TABULAR_MODULE, "model.label": label, "model.classes": classes,
            "model.task": target.task,
            "model.features": {p.name: p.role for p in profiles},
            "drift.exclude": sorted(set(config.drift.exclude) | set(ignored))})
        workspace.write_config(config, notes={**{f"model.features.{p.name}": p.why for p in profiles},
                                              "model.task": target.why})
    # A measurement that was whole in the first batch (a blood pressure, a count of seconds) may not be in the
    # next: stored as FLOAT from the start, a later 42.5 is a value, not a broken contract. Codes stay integers.
    floats = [p.name for p in profiles if p.kind == "int" and p.role in ("numeric", "bucketized")]
    if target is not None and target.task == "regression":
        floats.append(label)
    count = first_span(workspace, batch, config.data.test_fraction, reason="adapt init", floats=floats)
    echo(f"span 1: {count} {'images' if images else 'rows'} of {data}")

    from pipeline.local.beam import pipeline_progress
    log_file = workspace.reports / "logs" / f"init-{time.strftime('%Y%m%d-%H%M%S')}.log"
    with pipeline_progress(log_file, echo):  # TFX and TensorFlow log to the file, not the console
        from pipeline.lineage.graph import Metadata
        from pipeline.local.training import ensure_schema
        ensure_schema(workspace, config, workspace.model_package(config), spans.SpanWindow(1, 1),
                      Metadata.of(workspace, config), echo)
    return InitResult(workspace, batch.batch_id, count, 1, profiles, classes, workspace.schema_file,
                      round(time.perf_counter() - started, 1), target)


def describe(result: InitResult, label: str) -> str:
    root = result.workspace.root
    images = not result.profiles  # a folder of images: no columns to profile
    lines = [profile.format_profiles(result.profiles, result.classes, label, result.target), "",
             f"workspace {root}: span 1 ({result.rows} {'images' if images else 'rows'}), schema "
             f"{result.schema_file}, configuration {result.workspace.config_path} ({result.seconds:.0f}s)",
             f"review {'model.classes (the image model, models.images)' if images else 'model.features'} in "
             f"adapt.yaml, then:",
             f"  adapt train --workdir {root}                      # first model on span 1",
             f"  adapt replay BATCHES_DIR --workdir {root}         # backtest on your later batches",
             f"  adapt evaluate-batch NEW_BATCH --workdir {root}   # or one batch at a time",
             f"  adapt serve --workdir {root}"]
    return "\n".join(lines)
