"""`adapt tune --confirm`: the chosen setting replayed through the real pipelines, its decisions beside the
simulator's, batch by batch, with the share of batches on which they agree.

The replay runs in a workspace of its own (replays/tune-confirm under the user's), made afresh from the user's
adapt.yaml with the chosen keys, so the user's spans, models and store are never touched.
"""
import shutil
from pathlib import Path
from typing import Callable, Dict

from core.config import Config


def confirm(workspace, config: Config, batches_dir: Path, result, echo: Callable[[str], None]) -> Dict:
    from core.workspace import Workspace
    from pipeline.replay.replay import replay
    root = workspace.replays / "tune-confirm"
    shutil.rmtree(root, ignore_errors=True)
    target = Workspace.open(str(root))
    overrides = dict(result.chosen.setting.overrides(result.economics))
    module = workspace.root / config.model.module
    if config.model.module.startswith(".") and module.is_dir():   # a package folder beside the user's adapt.yaml
        overrides["model.module"] = str(module)
    chosen = config.with_overrides(overrides)
    target.write_config(chosen)
    echo(f"confirming {result.chosen.setting.describe()} through the pipelines in {root}")
    rows = replay(target, chosen, Path(batches_dir), report_name="tune-confirm", echo=echo)
    metric = result.metric
    real = {row["batch"]: row for row in rows if "labels_of" not in row}
    compared = []
    for outcome in result.chosen.trajectory.outcomes:
        if outcome.batch not in real:
            continue
        row = real[outcome.batch]
        compared.append({"batch": outcome.batch, "simulator_retrained": outcome.retrained,
                         "pipeline_retrained": bool(row["retrained"]),
                         f"simulator_{metric}": round(outcome.metric, 4), f"pipeline_{metric}": row.get(metric),
                         "simulator_reason": outcome.reason, "pipeline_reason": row.get("reason", "")})
    agreeing = sum(c["simulator_retrained"] == c["pipeline_retrained"] for c in compared)
    return {"workspace": str(root), "metric": metric, "batches": compared,
            "agreement": round(agreeing / len(compared), 4) if compared else None}


def confirm_text(found: Dict) -> str:
    metric = found["metric"]
    lines = [f"| batch | simulator | pipeline | simulator {metric} | pipeline {metric} |", "|---|---|---|---|---|"]
    for item in found["batches"]:
        real = item[f"pipeline_{metric}"]
        lines.append(f"| {item['batch']} | {'retrain' if item['simulator_retrained'] else 'keep'} | "
                     f"{'retrain' if item['pipeline_retrained'] else 'keep'} | {item[f'simulator_{metric}']:.4f} | "
                     f"{real if real is None else format(real, '.4f')} |")
    share = found["agreement"]
    lines.append(f"decisions agree on {share:.0%} of {len(found['batches'])} batch(es)" if share is not None
                 else "no batch replayed to compare")
    return "\n".join(lines)
