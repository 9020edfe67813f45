"""Reports of a replay: a markdown table, the JSON rows, and a plot of accuracy over the batches.

Written as `<name>-<policy>.{md,json,png}` in the workspace's reports/ folder
(`replay-triggered.*` for `adapt replay`, `demo-triggered.*` for the demo).
"""
import json
from pathlib import Path
from statistics import mean
from typing import Dict, List, Sequence


def summarize(rows: Sequence[Dict]) -> Dict:
    accuracies = [r["accuracy"] for r in rows if r.get("accuracy") is not None]
    return {
        "batches": len(rows),
        "mean_accuracy": round(mean(accuracies), 4) if accuracies else None,
        "retrains": sum(1 for r in rows if r["retrained"]),
        "pushes": sum(1 for r in rows if r.get("pushed_version")),
        "train_seconds": round(sum(r["train_seconds"] for r in rows), 1),
        "compute_seconds": round(sum(r["train_seconds"] + r["evaluate_seconds"] for r in rows), 1),
    }


def markdown(title: str, rows: Sequence[Dict]) -> str:
    summary = summarize(rows)
    lines = [f"# {title}", "",
             "Accuracy is the serving model's, on each batch, before any retraining on that batch.", "",
             "| batch | serving version | accuracy | retrained | pushed | train s | reason |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        accuracy = f"{r['accuracy']:.3f}" if r.get("accuracy") is not None else "-"
        lines.append(f"| {r['batch']} | {r['serving_version']} | {accuracy} | {'yes' if r['retrained'] else 'no'} "
                     f"| {r.get('pushed_version') or '-'} | {r['train_seconds']:.0f} | {r['reason']} |")
    lines += ["", f"Mean accuracy: {summary['mean_accuracy']}; retrains: {summary['retrains']}; "
                  f"pushes: {summary['pushes']}; compute: {summary['compute_seconds']:.0f} s."]
    return "\n".join(lines) + "\n"


def plot(path: Path, series: Dict[str, Sequence[Dict]], title: str) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axis = pyplot.subplots(figsize=(10, 4))
    for label, rows in series.items():
        points = [(r["batch"], r["accuracy"]) for r in rows if r.get("accuracy") is not None]
        axis.plot([b for b, _ in points], [a for _, a in points], marker="o", label=label)
        for r in rows:
            if r.get("pushed_version") and r.get("accuracy") is not None:
                axis.annotate(f"v{r['pushed_version']}", (r["batch"], r["accuracy"]), fontsize=7,
                              textcoords="offset points", xytext=(0, 6), ha="center")
    axis.set_ylabel("serving model accuracy")
    axis.set_title(title)
    axis.tick_params(axis="x", rotation=60)
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
    return path


def write_reports(directory: Path, name: str, policy: str, rows: List[Dict]) -> List[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{name}-{policy}"
    json_path = directory / f"{stem}.json"
    json_path.write_text(json.dumps(rows, indent=2))
    markdown_path = directory / f"{stem}.md"
    markdown_path.write_text(markdown(f"adapt {name} — policy `{policy}`", rows))
    png_path = plot(directory / f"{stem}.png", {policy: rows}, "Accuracy of the serving model on each new batch")
    return [markdown_path, json_path, png_path]
