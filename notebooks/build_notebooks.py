"""Writes the four exploration notebooks (outputs stripped). Edit here, then: python notebooks/build_notebooks.py"""
import os

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = os.path.dirname(os.path.abspath(__file__))

OPEN = '''import os
import explore  # notebooks/explore.py: helpers over the workspace

# The workspace `adapt demo` leaves (./adapt-workspace at the repository root), or $ADAPT_WORKDIR.
workspace, config = explore.open_workspace(os.environ.get("ADAPT_WORKDIR") or "../adapt-workspace")
print("workspace:", workspace.root)'''

NOTEBOOKS = {
    "01_data_exploration.ipynb": [
        new_markdown_cell("# 1. Data exploration and validation\n\nSpans and batches of the workspace, their TFDV "
                          "statistics and schema, and how far two spans drift apart. Reads the workspace "
                          "`adapt demo` leaves (`./adapt-workspace`), or the one named by `$ADAPT_WORKDIR`."),
        new_code_cell(OPEN),
        new_code_cell('''import pandas as pd
span_rows = explore.spans(workspace)
assert span_rows, "no spans in this workspace"
pd.DataFrame(span_rows)'''),
        new_markdown_cell("## TFDV statistics of the first span\n\nThe interactive view renders in Jupyter; the "
                          "table below it shows everywhere."),
        new_code_cell('''import tensorflow_data_validation as tfdv
first, last = span_rows[0]["span"], span_rows[-1]["span"]
first_stats = explore.span_statistics(workspace, first)
try:
    tfdv.visualize_statistics(first_stats)
except Exception as err:  # no notebook front end (headless run)
    print("interactive view unavailable:", err)
summary = pd.DataFrame(explore.feature_table(first_stats, ["fare", "trip_miles", "payment_type", "company", "big_tipper"]))
assert len(summary) == 5
summary'''),
        new_markdown_cell("## The kept schema\n\nInferred by SchemaGen on span 1, curated, and imported by every "
                          "later run: each new span is validated against it."),
        new_code_cell('''kept_schema = explore.schema(workspace)
assert len(kept_schema.feature) > 10
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
        new_code_cell('''import matplotlib.pyplot as plt
shares = {}
for row in span_rows:
    stats = explore.span_statistics(workspace, row["span"])
    for feature in explore.feature_table(stats, ["payment_type"]):
        shares[f"span {row['span']}"] = feature["top_share"]
fig, ax = plt.subplots(figsize=(6, 3))
ax.bar(list(shares), list(shares.values()))
ax.set_ylabel("share of the most common payment type")
ax.set_title("payment_type drifts between spans")
plt.show()
assert all(0 < share <= 1 for share in shares.values())'''),
    ],
    "02_training_pipeline.ipynb": [
        new_markdown_cell("# 2. The training pipeline, component by component\n\nThe local run's artifacts read "
                          "back from ML Metadata: what each standard TFX component produced on the last run. "
                          "Reads the workspace `adapt demo` leaves, or `$ADAPT_WORKDIR`."),
        new_code_cell(OPEN),
        new_code_cell('''import pandas as pd
outputs = pd.DataFrame(explore.component_outputs(workspace))
assert set(explore.TRAINING_NODES) <= set(outputs["component"]), set(outputs["component"])
outputs[["component", "state", "runs", "artifact", "uri"]]'''),
        new_markdown_cell("## Transform: the features the model sees"),
        new_code_cell('''import tensorflow_transform as tft
transform_graph = outputs[outputs.artifact == "TransformGraph"].uri.iloc[0]
transformed = tft.TFTransformOutput(transform_graph).transformed_feature_spec()
assert "big_tipper" in transformed or any(k.endswith("_xf") for k in transformed)
sorted(transformed)'''),
        new_markdown_cell("## Trainer: the exported model, its serving signature and what it was trained on"),
        new_code_cell('''import os
import tensorflow as tf
from core import contract
model_dir = os.path.join(outputs[outputs.artifact == "Model"].uri.iloc[0], "Format-Serving")
info = contract.read_model_info(model_dir)
contract.load_custom_ops(info)  # gradient-boosted trees (model.kind gbt) need TF-DF's ops registered first
loaded = tf.saved_model.load(model_dir)
assert "serving_default" in loaded.signatures and info["label"] == "big_tipper"
print("signatures:", list(loaded.signatures))
print("trained on spans:", info.get("spans"))'''),
        new_markdown_cell("## Evaluator and Pusher: was the candidate blessed, and where did it go?"),
        new_code_cell('''from pipeline.lineage import registry
models = pd.DataFrame(registry.list_models(workspace, config))
assert not models.empty
models[["version", "stage", "spans", "training_mode", "blessed", "infra_blessed", "baseline_version", "reason"]]'''),
    ],
    "03_model_analysis.ipynb": [
        new_markdown_cell("# 3. Model analysis with TFMA\n\nThe Evaluator's output for the latest candidate: "
                          "metrics by slice (payment_type, trip_start_hour), the candidate against the serving "
                          "model it had to beat. Reads the workspace `adapt demo` leaves, or `$ADAPT_WORKDIR`."),
        new_code_cell(OPEN),
        new_code_cell('''import pandas as pd
import tensorflow_model_analysis as tfma
from pipeline.lineage import evaluation
evaluation_uri = explore.latest_evaluation_uri(workspace)
overall = evaluation.overall_metrics(evaluation_uri)
assert "candidate" in overall
pd.DataFrame(overall)'''),
        new_code_cell('''result = tfma.load_eval_result(evaluation_uri)
try:
    tfma.view.render_slicing_metrics(result, slicing_column="payment_type")
except Exception as err:  # the widget needs a notebook front end
    print("interactive view unavailable:", err)
by_payment = pd.DataFrame(explore.slice_metrics(evaluation_uri, "payment_type"))
assert not by_payment.empty and "candidate" in by_payment
by_payment'''),
        new_code_cell('''by_hour = pd.DataFrame(explore.slice_metrics(evaluation_uri, "trip_start_hour"))
assert len(by_hour) > 5
by_hour.head(24)'''),
        new_code_cell('''import matplotlib.pyplot as plt
columns = [c for c in ("candidate", "baseline") if c in by_payment]
ax = by_payment.set_index("payment_type")[columns].plot.bar(figsize=(7, 3), rot=0)
ax.set_ylabel("accuracy")
ax.set_title("candidate vs serving model, by payment type")
plt.show()'''),
    ],
    "04_adaptation_history.ipynb": [
        new_markdown_cell("# 4. Adaptation history\n\nAccuracy, drift and serving versions over the batches the "
                          "system has seen, and every retraining event, from ML Metadata. Reads the workspace "
                          "`adapt demo` leaves, or `$ADAPT_WORKDIR`."),
        new_code_cell(OPEN),
        new_code_cell('''import pandas as pd
batches = pd.DataFrame(explore.batch_history(workspace))
assert not batches.empty and batches["accuracy"].notna().any()
batches[["batch", "serving_version", "accuracy", "drifted_importance", "drifted_features", "retrain", "reason"]]'''),
        new_code_cell('''from pipeline.lineage import history
events = pd.DataFrame(history.history(workspace, config))
assert not events.empty
events[["event", "trigger", "spans", "updated", "production_version", "candidate_accuracy",
        "baseline_accuracy", "compute_seconds", "outcome"]]'''),
        new_code_cell('''import matplotlib.pyplot as plt
fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
top.plot(batches["batch"], batches["accuracy"], marker="o")
top.axhline(config.performance.threshold, color="grey", linestyle="--", label="retrain threshold")
top.set_ylabel("serving accuracy"); top.legend()
bottom.bar(batches["batch"], batches["drifted_importance"])
bottom.axhline(config.drift.min_importance, color="grey", linestyle="--")
bottom.set_ylabel("importance that drifted")
plt.xticks(rotation=45); plt.tight_layout(); plt.show()'''),
    ],
}


def main() -> None:
    for name, cells in NOTEBOOKS.items():
        notebook = new_notebook(cells=cells, metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
        nbformat.write(notebook, os.path.join(HERE, name))
        print("wrote", name)


if __name__ == "__main__":
    main()
