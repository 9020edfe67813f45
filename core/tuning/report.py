"""What `adapt tune` found, in words: the table it prints, reports/tune.md, and reports/tune.png (the metric
against retrains on the choosing batches, every setting a dot, the Pareto front drawn; beside it the held-out
batches, tuned against the workspace's own setting, periodic and static)."""
import time
from pathlib import Path
from typing import List

from core.tuning.search import TuningResult

KEYS_ORDER = ("retraining.policy", "training.window", "validation.confidence", "performance.rule",
              "performance.max_drop", "drift.false_alarm_rate", "drift.min_weighted_psi", "economics.gain_batches")


def chosen_keys(result: TuningResult) -> dict:
    keys = result.chosen.setting.overrides(result.economics)
    return {key: keys[key] for key in KEYS_ORDER if key in keys}


def evidence_note(result: TuningResult) -> str:
    """The comment `--apply` writes beside each chosen key: what it rests on."""
    tuned, default = result.chosen, result.default
    return (f"adapt tune {time.strftime('%Y-%m-%d')}: chosen on {result.choosing[0]}..{result.choosing[-1]}; held "
            f"out {result.held_out[0]}..{result.held_out[-1]}: {result.metric} {tuned.held_out_mean:.4f}, "
            f"{tuned.held_out_retrains} retrain(s) (former setting {default.held_out_mean:.4f}, "
            f"{default.held_out_retrains}); reports/tune.md")


def comparison_table(result: TuningResult) -> str:
    held = f"{result.held_out[0]}..{result.held_out[-1]}"
    lines = [f"| policy | setting | {result.metric}, held out ({held}) | retrains, held out "
             f"| {result.metric}, choosing | retrains, choosing |", "|---|---|---|---|---|---|"]
    for name, item in result.compared():
        lines.append(f"| {name} | {item.setting.describe()} | {item.held_out_mean:.4f} | {item.held_out_retrains} of "
                     f"{len(result.held_out)} | {item.choosing_mean:.4f} | {item.choosing_retrains} of "
                     f"{len(result.choosing)} |")
    return "\n".join(lines)


def text(result: TuningResult) -> str:
    """What the command prints: the chosen keys, then the four settings side by side."""
    keys = "\n".join(f"  {key}: {value}" for key, value in chosen_keys(result).items())
    kept = f"{result.kept}\n" if result.kept else ""
    return (f"{kept}chosen on {len(result.choosing)} batch(es) {result.choosing[0]}..{result.choosing[-1]}, scored "
            f"on the {len(result.held_out)} later ones it did not see:\n{keys}\n\n{comparison_table(result)}\n\n"
            f"{len(result.scored)} settings, {result.models_trained} models trained, {result.seconds:.0f} s")


def markdown(result: TuningResult, batches_dir: str) -> str:
    front = "\n".join(f"| {item.setting.describe()} | {item.choosing_mean:.4f} | {item.choosing_retrains} "
                      f"| {item.held_out_mean:.4f} | {item.held_out_retrains} |" for item in result.pareto())
    per_batch = _per_batch(result)
    return f"""# adapt tune: the retraining policy fitted on {batches_dir}

{len(result.scored)} settings replayed by the simulator (core/tuning: YDF trees with the Trainer's settings, the same
drift and performance rules and policies) in {result.seconds:.0f} s, {result.models_trained} models trained.
Chosen on the batches {', '.join(result.choosing)}; every figure below marked "held out" is on the later
batches {', '.join(result.held_out)}, which the choice never looked at.

Objective on the choosing batches: mean {result.metric}{' (negated)' if result.lower_is_better else ''} minus
{result.penalty:.4f} (one standard error of the former setting's mean there) times the share of batches retrained on.

## Chosen settings
{chr(10) + result.kept + chr(10) if result.kept else ''}
{chr(10).join(f'- `{key}: {value}`' for key, value in chosen_keys(result).items())}

## Held out

{comparison_table(result)}

## The Pareto front on the choosing batches (fewest retrains for the metric)

| setting | {result.metric}, choosing | retrains | {result.metric}, held out | retrains, held out |
|---|---|---|---|---|
{front}

## Batch by batch (the serving model's {result.metric} before any retraining on the batch; * retrained)

{per_batch}
"""


def _per_batch(result: TuningResult) -> str:
    names = [name for name, _ in result.compared()]
    lines = ["| batch | part | " + " | ".join(names) + " |", "|" + "---|" * (len(names) + 2)]
    for index, outcome in enumerate(result.default.trajectory.outcomes):
        part = "held out" if outcome.batch in result.held_out else "choosing"
        cells = []
        for _, item in result.compared():
            step = item.trajectory.outcomes[index]
            cells.append(f"{step.metric:.3f}{' *' if step.retrained else ''}")
        lines.append(f"| {outcome.batch} | {part} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(result: TuningResult, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator
    figure, (search_axes, held_axes) = plt.subplots(1, 2, figsize=(11, 4.2))
    search_axes.scatter([s.choosing_retrains for s in result.scored], [s.choosing_mean for s in result.scored],
                        s=12, alpha=0.35, color="grey", label="a setting")
    front = result.pareto()
    search_axes.plot([s.choosing_retrains for s in front], [s.choosing_mean for s in front], "-o", color="tab:blue",
                     label="Pareto front")
    search_axes.scatter([result.chosen.choosing_retrains], [result.chosen.choosing_mean], marker="*", s=220,
                        color="tab:red", zorder=5, label="chosen")
    search_axes.set(title=f"choosing batches ({len(result.choosing)})", xlabel="retrains",
                    ylabel=f"mean {result.metric}")
    search_axes.legend(fontsize=8)
    for (name, item), colour in zip(result.compared(), ("tab:red", "tab:green", "tab:orange", "tab:purple")):
        held_axes.scatter([item.held_out_retrains], [item.held_out_mean], s=90, color=colour, label=name)
    held_axes.set(title=f"held-out batches ({len(result.held_out)})", xlabel="retrains",
                  ylabel=f"mean {result.metric}")
    held_axes.legend(fontsize=8)
    for axes in (search_axes, held_axes):
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_reports(result: TuningResult, reports: Path, batches_dir: str) -> List[Path]:
    reports.mkdir(parents=True, exist_ok=True)
    written = [reports / "tune.md", reports / "tune.png"]
    written[0].write_text(markdown(result, batches_dir))
    plot(result, written[1])
    return written
