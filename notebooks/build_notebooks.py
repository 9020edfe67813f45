"""Writes the four exploration notebooks (outputs stripped). Edit here, then: python notebooks/build_notebooks.py

They run on any workspace: the label, features, slices, metric and retrain rule come from the workspace
(explore.py), never from a dataset's column names.
"""
import os

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = os.path.dirname(os.path.abspath(__file__))

OPEN = '''import os
import explore  # notebooks/explore.py: helpers over the workspace

# The workspace `adapt demo` leaves (./adapt-workspace at the repository root), or $ADAPT_WORKDIR.
workspace, config = explore.open_workspace(os.environ.get("ADAPT_WORKDIR") or "../adapt-workspace")
print("workspace:", workspace.root)'''

READS = "Reads the workspace `adapt demo` leaves (`./adapt-workspace`), or the one named by `$ADAPT_WORKDIR`."

NOTEBOOKS = {
    "01_data_exploration.ipynb": [
        new_markdown_cell("# 1. Data exploration and validation\n\nSpans and batches of the workspace, their TFDV "
                          "statistics and schema, and how far two spans drift apart. " + READS),
        new_code_cell(OPEN),
        new_markdown_cell("## What the workspace says about its model\n\nThe label, task and slices from "
                          "`adapt.yaml` and the model package; the serving model's raw features, most relied on "
                          "first (its importances in ML Metadata)."),
        new_code_cell('''import pandas as pd
facts = explore.model_facts(workspace, config)
print({key: facts[key] for key in ("label", "task", "classes", "metric", "slices", "serving_version")})
pd.DataFrame({"feature": facts["features"],
              "importance": [facts["importances"].get(name) for name in facts["features"]]})'''),
        new_code_cell('''span_rows = explore.spans(workspace)
assert span_rows, "no spans in this workspace"
pd.DataFrame(span_rows)'''),
        new_markdown_cell("## TFDV statistics of the first span\n\nThe interactive view renders in Jupyter; the "
                          "table below it (the label and the features the model relies on most) shows everywhere."),
        new_code_cell('''import tensorflow_data_validation as tfdv
first, last = span_rows[0]["span"], span_rows[-1]["span"]
first_stats = explore.span_statistics(workspace, first)
try:
    tfdv.visualize_statistics(first_stats)
except Exception as err:  # no notebook front end (headless run)
    print("interactive view unavailable:", err)
shown = [facts["label"]] + facts["features"][:4]
summary = pd.DataFrame(explore.feature_table(first_stats, shown))
assert set(summary["feature"]) == set(shown), summary
summary'''),
        new_markdown_cell("## The kept schema\n\nInferred by SchemaGen on span 1, curated, and imported by every "
                          "later run: each new span is validated against it."),
        new_code_cell('''kept_schema = explore.schema(workspace)
assert facts["label"] in {feature.name for feature in kept_schema.feature}
tfdv.display_schema(kept_schema)'''),
        new_markdown_cell("## Two spans side by side, and the drift table"),
        new_code_cell('''last_stats = explore.span_statistics(workspace, last)
try:
    tfdv.visualize_statistics(lhs_statistics=last_stats, rhs_statistics=first_stats,
                              lhs_name=f"span {last}", rhs_name=f"span {first}")
except Exception as err:
    print("interactive view unavailable:", err)
report = explore.drift_between_spans(workspace, config, first, last)
drift = pd.DataFrame(report["features"])
assert not drift.empty and {"feature", "method", "value", "adjusted_p_value", "importance", "drifted"} <= set(drift.columns)
print(report["reason"])
drift.sort_values("adjusted_p_value").head(15)'''),
        new_markdown_cell("## The feature the model relies on most, span by span"),
        new_code_cell('''import matplotlib.pyplot as plt
feature = facts["features"][0]
trend = explore.feature_across_spans(workspace, [row["span"] for row in span_rows], feature)
measure = {"mean": "mean", "top_share": "share of its most common value"}[trend["measure"]]
fig, ax = plt.subplots(figsize=(6, 3))
ax.bar([f"span {span}" for span in trend["values"]], list(trend["values"].values()))
ax.set_ylabel(measure)
ax.set_title(f"{feature} across the spans")
plt.show()
assert len(trend["values"]) == len(span_rows)'''),
    ],
    "02_training_pipeline.ipynb": [
        new_markdown_cell("# 2. The training pipeline, component by component\n\nThe local run's artifacts read "
                          "back from ML Metadata: what each standard TFX component produced on the last run. "
                          + READS),
        new_code_cell(OPEN),
        new_code_cell('''import pandas as pd
facts = explore.model_facts(workspace, config)
outputs = pd.DataFrame(explore.component_outputs(workspace))
assert set(explore.TRAINING_NODES) <= set(outputs["component"]), set(outputs["component"])
outputs[["component", "state", "runs", "artifact", "uri"]]'''),
        new_markdown_cell("## Transform: the features the model sees"),
        new_code_cell('''import tensorflow_transform as tft
from core import contract
transform_graph = outputs[outputs.artifact == "TransformGraph"].uri.iloc[0]
transformed = tft.TFTransformOutput(transform_graph).transformed_feature_spec()
assert contract.transformed_name(facts["label"]) in transformed, sorted(transformed)
sorted(transformed)'''),
        new_markdown_cell("## Trainer: the exported model, its serving signature and what it was trained on"),
        new_code_cell('''import os
import tensorflow as tf
model_dir = os.path.join(outputs[outputs.artifact == "Model"].uri.iloc[0], "Format-Serving")
info = contract.read_model_info(model_dir)
contract.load_custom_ops(info)  # gradient-boosted trees (model.kind gbt) need TF-DF's ops registered first
loaded = tf.saved_model.load(model_dir)
assert "serving_default" in loaded.signatures and info["label"] == facts["label"]
print("signatures:", list(loaded.signatures))
print("label:", info["label"], "| task:", info.get("task", "classification"), "| classes:", info.get("classes"))
print("trained on spans:", info.get("spans"))'''),
        new_markdown_cell("## Evaluator and Pusher: was the candidate blessed, and where did it go?"),
        new_code_cell('''from pipeline.lineage import registry
models = pd.DataFrame(registry.list_models(workspace, config))
assert not models.empty
models[["version", "stage", "spans", "training_mode", "blessed", "infra_blessed", "baseline_version", "reason"]]'''),
    ],
    "03_model_analysis.ipynb": [
        new_markdown_cell("# 3. Model analysis with TFMA\n\nThe Evaluator's output for the latest candidate: its "
                          "metrics overall and by each slice the workspace names (`model.slices` in `adapt.yaml`, "
                          "else the model package's), the candidate against the serving model it had to beat. "
                          + READS),
        new_code_cell(OPEN),
        new_code_cell('''import pandas as pd
import tensorflow_model_analysis as tfma
from pipeline.lineage import evaluation
facts = explore.model_facts(workspace, config)
metric = facts["metric"]  # accuracy, or a regression model's watched error
evaluation_uri = explore.latest_evaluation_uri(workspace)
overall = evaluation.overall_metrics(evaluation_uri)
assert metric in overall["candidate"], overall
pd.DataFrame(overall)'''),
        new_code_cell('''result = tfma.load_eval_result(evaluation_uri)
by_slice = {feature: pd.DataFrame(explore.slice_metrics(evaluation_uri, feature, metric))
            for feature in facts["slices"]}
if not by_slice:
    print("no slices: name features in model.slices (adapt.yaml) to see", metric, "value by value")
for feature, table in by_slice.items():
    try:
        tfma.view.render_slicing_metrics(result, slicing_column=feature)
    except Exception as err:  # the widget needs a notebook front end
        print("interactive view unavailable:", err)
    assert not table.empty and "candidate" in table, feature
    display(table.head(24))'''),
        new_code_cell('''import matplotlib.pyplot as plt
for feature, table in list(by_slice.items())[:1]:
    columns = [c for c in ("candidate", "baseline") if c in table]
    ax = table.head(24).set_index(feature)[columns].plot.bar(figsize=(7, 3), rot=0)
    ax.set_ylabel(metric)
    ax.set_title(f"candidate vs serving model, by {feature}")
    plt.show()'''),
    ],
    "04_adaptation_history.ipynb": [
        new_markdown_cell("# 4. Adaptation history\n\nThe watched metric (accuracy, or a regression model's error), "
                          "drift and serving versions over the batches the system has seen, the retrain threshold "
                          "each evaluation applied, and every retraining event, from ML Metadata. " + READS),
        new_code_cell(OPEN),
        new_code_cell('''import pandas as pd
batches = pd.DataFrame(explore.batch_history(workspace, config))
assert not batches.empty, "no batch evaluated yet"
metric = batches["metric"].iloc[-1]  # accuracy, or a regression model's mae
assert batches[metric].notna().any()
batches[["batch", "serving_version", metric, f"estimated_{metric}", "rule", "retrain_level", "drifted_importance",
         "drifted_features", "retrain", "reason"]]'''),
        new_code_cell('''from pipeline.lineage import history
events = pd.DataFrame(history.history(workspace, config))
assert not events.empty
events[["event", "trigger", "spans", "updated", "production_version", "metric", "batch_value",
        "candidate_value", "baseline_value", "compute_seconds", "outcome"]]'''),
        new_markdown_cell("The dashed line is where the performance rule that judged each evaluation fires "
                          "(`core/policy/rules.py`): a labeled batch's metric `performance.max_drop` (relative) "
                          "worse than the serving model's score on its own holdout, or `performance.threshold` when "
                          "it is set and stricter (`performance.rule: tested_drop` fires past that tolerance only "
                          "beyond chance); a batch without labels, its estimate (a hollow point) "
                          "`performance.estimated_max_drop` worse. It moves with the serving version; none is drawn "
                          "where no rule applied."),
        new_code_cell('''import matplotlib.pyplot as plt
import numpy as np
from core.config import LOWER_IS_BETTER
x = np.arange(len(batches))
levels = batches["retrain_level"].astype(float)
assert (levels.dropna() > 0).all(), levels
judged = batches[metric].where(batches["labeled"], batches[f"estimated_{metric}"])  # what each rule judged
fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
top.plot(x, batches[metric], marker="o", label=f"{metric} of the serving model (version)")
estimated = judged.where(~batches["labeled"].astype(bool))
if estimated.notna().any():
    top.plot(x, estimated, linestyle="none", marker="o", fillstyle="none", label="estimated, before labels")
for at, value, version in zip(x, judged, batches["serving_version"]):
    if pd.notna(value):
        top.annotate(f"v{version}", (at, value), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
ruled = levels.notna().to_numpy()
if ruled.any():
    side = "above" if metric in LOWER_IS_BETTER else "below"
    top.hlines(levels[ruled], x[ruled] - 0.45, x[ruled] + 0.45, colors="grey", linestyles="--",
               label=f"retrain {side}: the rule in force")
else:
    print("no performance rule applied: no reference score recorded and performance.threshold off")
top.set_ylabel(metric); top.margins(y=0.2)
top.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, frameon=False)
bottom.bar(x, batches["drifted_importance"].fillna(0.0))
bottom.axhline(config.drift.min_importance, color="grey", linestyle="--")
bottom.set_ylabel("importance that drifted")
bottom.set_xticks(x, batches["batch"], rotation=45)
plt.tight_layout(); plt.show()'''),
    ],
}


def main() -> None:
    for name, cells in NOTEBOOKS.items():
        for number, cell in enumerate(cells):
            cell["id"] = f"cell-{number}"   # stable ids: a rebuild changes only what changed
        notebook = new_notebook(cells=cells, metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
        nbformat.write(notebook, os.path.join(HERE, name))
        print("wrote", name)


if __name__ == "__main__":
    main()
