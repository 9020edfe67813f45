"""Labels that come two batches late: does retraining before they arrive keep up? Beside labels at once and `static`.

    python -m benchmarks.delayed_labels [--labels-after 2] [--workdir /tmp/adapt-delayed] [--only taxi|generated]
                                        [--reuse]

For each stream, three replays through the command line, each in a fresh
workspace: `static` (never retrains), `triggered` with the labels in each
batch (today's loop), and `triggered --labels-after N`: every batch arrives
without labels, is judged by its confidence-based estimate and its drift, and
its labels arrive N batches later (pipeline/replay/withheld.py). A rule that
fires on an unlabeled batch retrains at once on the spans labeled so far.

Streams: the taxi quarters (`adapt demo`), and drift_policy's generated
covariate shift (`adapt init` + `adapt replay` on CSV batch folders): P(y | x)
never changes, the rows move out of the first batch's range.
Printed and written to benchmarks/results/delayed_labels.md: mean accuracy of
the model serving each batch on its arrival, retrains (and how many started
before the triggering batch's labels arrived), pushes, the estimate's mean
absolute error, compute seconds; then accuracy batch by batch.
"""
import argparse
import json
import shutil
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from benchmarks import LABEL, adapt, command_line, write_batch_folders

RESULTS = Path(__file__).resolve().parent / "results" / "delayed_labels.md"


def write_generated(root: Path) -> Path:
    """drift_policy's covariate-shift stream as CSV batch folders batch-01, batch-02, ..."""
    from benchmarks import drift_policy
    return write_batch_folders(drift_policy.covariate_shift()[1], root / "generated-batches")


def run(stream: str, policy: str, labels_after: int, root: Path, batches: Optional[Path],
        reuse: bool = False) -> Dict:
    """One replay in a fresh workspace; with `reuse`, a replay this workdir already finished is read instead."""
    name = f"{stream}-{policy}" + (f"-labels-after-{labels_after}" if labels_after else "")
    workdir, log = root / name, root / f"{name}.log"
    late = ["--labels-after", str(labels_after)] if labels_after else []
    report = ("demo" if stream == "taxi" else "replay") + (f"-labels-after-{labels_after}" if labels_after else "")
    finished = workdir / "reports" / f"{report}-{policy}.json"
    started = time.perf_counter()
    if not (reuse and finished.exists()):
        shutil.rmtree(workdir, ignore_errors=True)
        log.unlink(missing_ok=True)
        if stream == "taxi":
            adapt(["demo", "--workdir", workdir, "--policy", policy, *late], log)
        else:
            adapt(["init", "--data", batches / "batch-01", "--label", LABEL, "--workdir", workdir], log)
            adapt(["replay", batches, "--workdir", workdir, "--policy", policy, *late], log)
    rows = json.loads(finished.read_text())
    from pipeline.replay.reports import summarize
    return {"name": name, "policy": policy, "labels_after": labels_after, "summary": summarize(rows),
            "accuracy": {r["batch"]: r["accuracy"] for r in rows if not r.get("labels_of")},
            "wall_seconds": time.perf_counter() - started}


def table(stream: str, results: List[Dict]) -> List[str]:
    lines = [f"## {stream}", "", "| replay | mean accuracy | retrains | of them before the labels | pushes | "
             "estimate MAE | compute s |", "|---|---|---|---|---|---|---|"]
    for r in results:
        s = r["summary"]
        label = r["policy"] + (f", labels {r['labels_after']} batches late" if r["labels_after"] else
                               ", labels at once" if r["policy"] != "static" else "")
        lines.append(f"| {label} | {s['mean_accuracy']} | {s['retrains']} | {s['retrains_before_labels']} | "
                     f"{s['pushes']} | {s['estimation_mae']} | {s['compute_seconds']:.0f} |")
    batches = list(results[0]["accuracy"])
    lines += ["", "| batch | " + " | ".join(r["name"] for r in results) + " |",
              "|---|" + "---|" * len(results)]
    for batch in batches:
        cells = [r["accuracy"].get(batch) for r in results]
        lines.append(f"| {batch} | " + " | ".join("-" if c is None else f"{c:.3f}" for c in cells) + " |")
    return lines


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels-after", type=int, default=2)
    parser.add_argument("--workdir", default="/tmp/adapt-delayed")
    parser.add_argument("--only", choices=["taxi", "generated"])
    parser.add_argument("--output", default=str(RESULTS))
    parser.add_argument("--reuse", action="store_true",
                        help="read the replays an earlier run finished in --workdir instead of running them again")
    args = parser.parse_args(argv)
    root = Path(args.workdir)
    root.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    lines = ["# Labels two batches late: retraining before they arrive, beside labels at once and static", "",
             command_line("delayed_labels", argv), "",
             "Mean accuracy: of the model serving each batch when it arrived, on that batch (with late labels, "
             "scored from the predictions it made then). Retrains before the labels: started on an unlabeled "
             "batch, on the spans labeled so far.", ""]
    for stream in [s for s in ("generated", "taxi") if args.only in (None, s)]:
        batches = write_generated(root) if stream == "generated" else None
        results = [run(stream, policy, late, root, batches, args.reuse)
                   for policy, late in (("static", 0), ("triggered", 0), ("triggered", args.labels_after))]
        lines += table(stream, results) + [""]
        print("\n".join(table(stream, results)), flush=True)
    lines.append(f"Total {time.perf_counter() - started:.0f} s.")
    Path(args.output).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
