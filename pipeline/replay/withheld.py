"""Batches whose labels come later, for `adapt replay --labels-after N`: each batch copied without its labels, and
the labels delivered N batches on.

The copy of batch B is `<workspace>/replays/<name>/B/`: its data files with the
label column taken out (CSV), or its images; the labels wait beside it in
`<workspace>/replays/<name>/.labels/B.csv` (one row per instance, with its
instance id) until `deliver` moves them into the copy as its labels file, the
way a labels file arrives in a real batch folder. With a label budget, the rows a
label request chose arrive first (`deliver_early`: a labels file naming only them,
with their inclusion probabilities), the whole labels N batches on. The user's
folders are only read.
"""
import csv
import os
import shutil
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from core.data.batch import Batch, label_text
from core.errors import BatchError
from core.labeling.acquisition import PROBABILITY_COLUMN

PENDING = ".labels"


def _write_atomically(path: Path, write) -> None:
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "w", newline="") as handle:
        write(handle)
    os.replace(partial, path)


def withhold(source: Batch, root: Path, labels_file: str) -> Path:
    """The copy of `source` under `root`, without its labels (made once; a whole copy is reused)."""
    target, pending = root / source.batch_id, root / PENDING / f"{source.batch_id}.csv"
    if pending.exists() or (target / labels_file).exists():
        return target
    kind = source.format
    if kind == "tfrecord":
        raise BatchError(f"batch {source.batch_id}: --labels-after needs CSV or image batches (TFRecord labels "
                         f"cannot be taken out of the records here)")
    partial = root / f".{source.batch_id}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    labels = []   # (instance id, label)
    if kind == "files" or not source.has_inline_labels():
        if not source.has_labels_file():
            raise BatchError(f"batch {source.batch_id}: no labels to withhold (no {source.label!r} column, no "
                             f"{labels_file})")
        for name in source.data_files():
            with source.open(name, "rb") as data, open(partial / name, "wb") as copy:
                shutil.copyfileobj(data, copy)
        labels = list(source.iter_labels_file())
    else:
        header = source.header()
        keep = [i for i, column in enumerate(header) if column != source.label]
        at = header.index(source.label)
        writers: Dict[str, tuple] = {}
        try:
            for name, index, row in source.iter_rows(header):
                if name not in writers:
                    handle = open(partial / name, "w", newline="")
                    writers[name] = (handle, csv.writer(handle))
                    writers[name][1].writerow([header[i] for i in keep])
                writers[name][1].writerow([row[i] for i in keep])
                labels.append((f"{name}:{index}", label_text(row[at])))
        finally:
            for handle, _ in writers.values():
                handle.close()
    (root / PENDING).mkdir(parents=True, exist_ok=True)
    shutil.rmtree(target, ignore_errors=True)
    os.replace(partial, target)

    def write_labels(handle):
        writer = csv.writer(handle)
        writer.writerow(["instance_id", source.label])
        writer.writerows([instance_id, "" if label is None else label] for instance_id, label in labels)
    _write_atomically(pending, write_labels)
    return target


def deliver(copy: Path, labels_file: str) -> Path:
    """The withheld labels arrive: moved into the copy as its labels file."""
    pending = _pending(copy)
    target = copy / labels_file
    if pending.exists():
        os.replace(pending, target)
    return target


def deliver_early(copy: Path, labels_file: str, chosen: Mapping[str, float]) -> Path:
    """Some labels arrive early (`adapt replay --label-budget K`): the labels file of the copy names only the
    `chosen` rows ({instance id: inclusion probability}, as a label request chose them) with their labels and
    probabilities, the way a reviewer's filled-in to-label.csv comes back; the whole labels still wait for
    `deliver`. Returns the file written."""
    label = _pending_header(copy)[1]
    waiting = withheld_labels(copy, labels_file)
    target = copy / labels_file

    def write_labels(handle):
        writer = csv.writer(handle)
        writer.writerow(["instance_id", label, PROBABILITY_COLUMN])
        writer.writerows([instance_id, waiting.get(instance_id) or "", f"{probability:.8g}"]
                         for instance_id, probability in chosen.items())
    _write_atomically(target, write_labels)
    return target


def _pending(copy: Path) -> Path:
    return copy.parent / PENDING / f"{copy.name}.csv"


def _pending_header(copy: Path) -> List[str]:
    with open(_pending(copy), newline="") as handle:
        return next(csv.reader(handle))


def withheld_labels(copy: Path, labels_file: str) -> Dict[str, Optional[str]]:
    """{instance id: label} of a copy, still waiting or delivered."""
    path = _pending(copy) if _pending(copy).exists() else copy / labels_file
    with open(path, newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        return {row[0]: label_text(row[1]) for row in reader}
