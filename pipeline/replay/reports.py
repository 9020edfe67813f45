"""Reports of a replay: markdown table, JSON rows, and a plot of accuracy over the quarters."""
import json
from pathlib import Path
from statistics import mean
from typing import Dict, List, Sequence


def summarize(rows: Sequence[Dict]) -> Dict:
    accuracies = [r["accuracy"] for r in rows if r.get("accuracy") is not None]
    return {
        "quarters": len(rows),
        "mean_accuracy": round(mean(accuracies), 4) if accuracies else None,
        "retrains": sum(1 for r in rows if r["retrained"]),
        "pushes": sum(1 for r in rows if r.get("pushed_version")),
        "train_seconds": round(sum(r["train_seconds"] for r in rows), 1),
        "compute_seconds": round(sum(r["train_seconds"] + r["evaluate_seconds"] for r in rows), 1),
    }


def markdown(policy: str, rows: Sequence[Dict]) -> str:
    summary = summarize(rows)
    lines = [f"# adapt demo — policy `{policy}`", "",
             "Accuracy is the serving model's, on each quarter, before any retraining on that quarter.", "",
             "| quarter | serving version | accuracy | retrained | pushed | train s | reason |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        accuracy = f"{r['accuracy']:.3f}" if r.get("accuracy") is not None else "-"
        lines.append(f"| {r['quarter']} | {r['serving_version']} | {accuracy} | {'yes' if r['retrained'] else 'no'} "
                     f"| {r.get('pushed_version') or '-'} | {r['train_seconds']:.0f} | {r['reason']} |")
    lines += ["", f"Mean accuracy: {summary['mean_accuracy']}; retrains: {summary['retrains']}; "
                  f"pushes: {summary['pushes']}; compute: {summary['compute_seconds']:.0f} s."]
    return "\n".join(lines) + "\n"


def plot(path: Path, series: Dict[str, Sequence[Dict]]) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axis = pyplot.subplots(figsize=(10, 4))
    for label, rows in series.items():
        points = [(r["quarter"], r["accuracy"]) for r in rows if r.get("accuracy") is not None]
        axis.plot([q for q, _ in points], [a for _, a in points], marker="o", label=label)
        for r in rows:
            if r.get("pushed_version"):
                axis.annotate(f"v{r['pushed_version']}", (r["quarter"], r["accuracy"]), fontsize=7,
                              textcoords="offset points", xytext=(0, 6), ha="center")
    axis.set_ylabel("serving model accuracy")
    axis.set_title("Accuracy of the serving model on each new quarter")
    axis.tick_params(axis="x", rotation=60)
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
    return path


def write_demo_reports(directory: Path, policy: str, rows: List[Dict]) -> List[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    json_path = directory / f"demo-{policy}.json"
    json_path.write_text(json.dumps(rows, indent=2))
    markdown_path = directory / f"demo-{policy}.md"
    markdown_path.write_text(markdown(policy, rows))
    png_path = plot(directory / f"demo-{policy}.png", {policy: rows})
    return [markdown_path, json_path, png_path]
