"""End to end with data that is not taxi, through the command line as a user runs it.

- a generated binary stream (string label, ids, timestamps, a constant column): adapt init, train,
  evaluate-batch, serve;
- Palmer penguins (three classes, missing values, labels arriving in a labels file): the same path;
- (the same stream replayed: own_data_replay_test.py)
- a model package of the user's own, given as a folder path: trains and serves;
- labels one batch late (`adapt replay --labels-after 1`) on a covariate-shift stream: each batch judged by
  its estimate on arrival, evaluated again when its labels come (then a span, realized accuracy decides),
  scored with the model that served it on arrival; the folder only read.
"""
import csv
import json
import os
import re

import pytest
import yaml

from core.workspace import Workspace
from tests.helpers import Served, adapt_cli, folder_listing, write_csv
from tests.streams import covariate_shift_batches, rotating_hyperplane_batches

pytestmark = pytest.mark.e2e

SMALL = {"training.train_steps": 100, "training.eval_steps": 5, "training.window": 2,
         "validation.infra_requests": 5, "validation.min_accuracy": 0.5, "data.min_batch_instances": 50}


def small_settings(workdir):
    """Fewer training steps and a short window, kept in adapt.yaml as a user would edit it."""
    workspace = Workspace.open(str(workdir))
    workspace.write_config(workspace.load_config().with_overrides(SMALL))
    return workspace


@pytest.fixture(scope="module")
def stream(tmp_path_factory):
    return rotating_hyperplane_batches(tmp_path_factory.mktemp("stream"), batches=5, rows=300, degrees_per_batch=30)


def test_init_train_evaluate_and_serve_a_binary_table(stream, tmp_path):
    workdir = tmp_path / "ws"
    printed = adapt_cli("init", "--data", stream[0], "--label", "churned", "--name", "churn", "--workdir", workdir)
    assert "adapt train" in printed and re.search(r"^churned +label +binary +classes: no, yes$", printed, re.M)
    config = yaml.safe_load((workdir / "adapt.yaml").read_text())
    assert config["model"]["module"] == "models.tabular" and config["model"]["classes"] == ["no", "yes"]
    assert config["model"]["features"] == {
        "customer_id": "ignore", "signup_time": "ignore", "x1": "numeric", "x2": "numeric", "x3": "numeric",
        "x4": "numeric", "channel": "categorical", "region": "categorical", "source": "ignore"}
    assert set(config["drift"]["exclude"]) == {"customer_id", "signup_time", "source"}
    assert not any("taxi" in str(value) or "big_tipper" in str(value) for value in config["model"].values())
    assert (workdir / "schema" / "v1" / "schema.pbtxt").exists() and (workdir / "data" / "span-1" / "train").is_dir()
    schema_text = (workdir / "schema" / "v1" / "schema.pbtxt").read_text()
    region = schema_text[schema_text.index('name: "region"'):].split("feature {")[0]
    assert "is_categorical: true" in region  # an integer code with five values: compared by its counts

    small_settings(workdir)
    trained = json.loads(adapt_cli("train", "--workdir", workdir, "--json"))
    assert trained["pushed"] and trained["version"] == 1, trained["reason"]
    assert 0.6 <= trained["candidate_metrics"]["accuracy"] <= 1.0 and "auc" in trained["candidate_metrics"]
    assert trained["holdout_rows"] >= 50
    rows = {r["version"]: r for r in json.loads(adapt_cli("models", "list", "--workdir", workdir, "--json"))}
    assert rows[1]["stage"] == "production" and rows[1]["infra_blessed"]

    outcome = json.loads(adapt_cli("evaluate-batch", stream[1], "--workdir", workdir, "--no-trigger", "--json",
                                   "--details"))
    assert outcome["labeled"] and 0.5 <= outcome["metrics"]["accuracy"] <= 1.0 and "auc" in outcome["metrics"]
    assert outcome["drift_reason"] and outcome["serving_version"] == 1
    info = json.loads((workdir / "serving" / "churn" / "1" / "assets.extra" / "adapt_model.json").read_text())
    assert info["importance_method"] == "TF-DF SUM_SCORE" and set(info["importances"]) <= set(info["raw_features"])
    assert info["kind"] == "gbt" and info["trees"] >= 1 and info["classes"] == ["no", "yes"]
    [curve] = info["learning_curves"]   # a small holdout: a quarter of the training rows against three, out of fold
    assert curve["metric"] == "accuracy" and curve["scored_on"] == "out of fold" and len(curve["points"]) == 2
    drift = {row["feature"]: row for row in outcome["reports"]["DriftDetector"]["features"]}
    assert drift["region"]["method"] == "chi2" and drift["x1"]["method"] == "ks_t"
    assert not drift["customer_id"]["decides"] and not drift["signup_time"]["decides"]
    assert drift["x1"]["importance"] > 0 and drift["x1"]["baseline_rows"] > 150
    answers = outcome["prediction_drift"]  # the classes it predicts on the batch against those on its holdout
    assert answers["measured"] and answers["method"] == "chi2" and answers["batch_rows"] == 300

    with Served(workdir, "churn") as served:
        metadata = served.get("/v1/models/churn/metadata")["metadata"]
        assert metadata["classes"] == ["no", "yes"] and metadata["label"] == "churned"
        assert "customer_id" in metadata["raw_features"] and "churned" not in metadata["raw_features"]
        [[probability]] = served.predict([{"x1": 0.9, "x2": 0.8, "x3": 0.5, "x4": 0.1, "channel": "web",
                                           "region": 2}])
        assert 0.0 <= probability <= 1.0


PENGUINS = os.path.join(os.path.dirname(__import__("palmerpenguins").__file__), "data", "penguins.csv")


def _penguins_by_year():
    with open(PENGUINS, newline="") as handle:
        rows = list(csv.reader(handle))
    header, data = rows[0], rows[1:]
    year = header.index("year")
    return header, {y: [row for row in data if row[year] == y] for y in ("2007", "2008", "2009")}


def test_three_penguin_species_with_labels_arriving_later(tmp_path):
    header, by_year = _penguins_by_year()
    write_csv(tmp_path / "first" / "data.csv", header, by_year["2007"] + by_year["2008"])
    species = header.index("species")
    later = tmp_path / "2009"
    write_csv(later / "data.csv", header[:species] + header[species + 1:],
              [row[:species] + row[species + 1:] for row in by_year["2009"]])
    workdir = tmp_path / "ws"
    printed = adapt_cli("init", "--data", tmp_path / "first", "--label", "species", "--name", "penguins",
                        "--workdir", workdir)
    assert "classes: Adelie, Chinstrap, Gentoo" in printed
    config = yaml.safe_load((workdir / "adapt.yaml").read_text())["model"]
    assert config["features"]["bill_length_mm"] == "numeric" and config["features"]["sex"] == "categorical"

    small_settings(workdir)
    trained = json.loads(adapt_cli("train", "--workdir", workdir, "--train-steps", "300", "--json"))
    assert trained["pushed"] and trained["candidate_metrics"]["accuracy"] >= 0.8, trained

    unlabeled = json.loads(adapt_cli("evaluate-batch", later, "--workdir", workdir, "--no-trigger", "--json"))
    assert not unlabeled["labeled"] and unlabeled["metrics"] == {}
    write_csv(later / "labels.csv", ["species"], [[row[species]] for row in by_year["2009"]])
    labeled = json.loads(adapt_cli("evaluate-batch", later, "--workdir", workdir, "--no-trigger", "--json"))
    assert labeled["labeled"] and labeled["metrics"]["accuracy"] >= 0.8 and "auc" not in labeled["metrics"]

    with Served(workdir, "penguins") as served:
        probabilities = served.predict([{"island": "Biscoe", "bill_length_mm": 47.5, "bill_depth_mm": 15.0,
                                         "flipper_length_mm": 218, "body_mass_g": 4950, "sex": "male",
                                         "year": 2009}])[0]
        assert len(probabilities) == 3 and sum(probabilities) == pytest.approx(1.0, abs=1e-4)
        assert probabilities.index(max(probabilities)) == 2  # Gentoo


MY_MODEL = {
    "__init__.py": '''LABEL = "churned"
CLASSES = ["no", "yes"]
''',
    "preprocessing.py": '''import tensorflow as tf
import tensorflow_transform as tft

NUMBERS = ["x1", "x2", "x3", "x4"]


def _dense(x, default):
    return tf.squeeze(tft.sparse_tensor_to_dense_with_shape(x, [None, 1], default), axis=1)


def preprocessing_fn(inputs):
    outputs = {f"{name}_xf": tft.scale_to_z_score(_dense(inputs[name], 0.0)) for name in NUMBERS}
    outputs["churned_xf"] = tf.cast(tf.equal(_dense(inputs["churned"], ""), "yes"), tf.int64)
    return outputs
''',
    "model.py": '''import tensorflow as tf
import tensorflow_transform as tft

from models import export

from .preprocessing import NUMBERS


def run_fn(fn_args):
    transform = tft.TFTransformOutput(fn_args.transform_output)
    data = export.input_fn(fn_args.train_files, fn_args.data_accessor, transform, 32, "churned_xf")
    inputs = {f"{name}_xf": tf.keras.Input(shape=(1,), name=f"{name}_xf") for name in NUMBERS}
    output = tf.keras.layers.Dense(1, activation="sigmoid")(tf.keras.layers.concatenate(list(inputs.values())))
    model = tf.keras.Model(inputs, output)
    model.compile(optimizer=tf.keras.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(data, steps_per_epoch=fn_args.train_steps, epochs=1, verbose=0)
    export.export(model, fn_args.serving_model_dir, transform, "churned", {"classes": ["no", "yes"]})
''',
}


def test_a_model_package_of_my_own_given_as_a_folder_trains_and_serves(stream, tmp_path):
    workdir = tmp_path / "ws"
    adapt_cli("init", "--data", stream[0], "--label", "churned", "--name", "mine", "--workdir", workdir)
    for name, text in MY_MODEL.items():
        (workdir / "my_model").mkdir(exist_ok=True)
        (workdir / "my_model" / name).write_text(text)
    workspace = small_settings(workdir)
    workspace.write_config(workspace.load_config().with_overrides({"model.module": "./my_model", "model.label": "",
                                                                    "model.classes": [], "model.features": {}}))
    trained = json.loads(adapt_cli("train", "--workdir", workdir, "--json"))
    assert trained["pushed"] and trained["version"] == 1, trained["reason"]
    info = json.loads((workdir / "serving" / "mine" / "1" / "assets.extra" / "adapt_model.json").read_text())
    assert info["label"] == "churned" and info["classes"] == ["no", "yes"]
    # The package records no importances: FeatureImportance measured them by permutation on the holdout, and the
    # drift rule reads them from MLMD. The model reads x1..x4 only.
    from pipeline.lineage.graph import Metadata, prop
    from pipeline.lineage.queries import model_for_version, serving_importances
    meta = Metadata.of(workspace, workspace.load_config())
    model = model_for_version(meta, str(workdir / "serving" / "mine"), 1)
    [measured] = [e for e in meta.consumers(model.id) if meta.execution_node(e) == "FeatureImportance"]
    assert prop(meta.outputs(measured.id, "importances")[0], "method").startswith("permutation")
    importances = serving_importances(meta, str(workdir / "serving" / "mine"), 1)
    assert sum(importances.get(name, 0.0) for name in ("x1", "x2", "x3", "x4")) > 0.9, importances
    assert importances.get("channel", 0.0) == 0.0 and importances.get("region", 0.0) == 0.0
    with Served(workdir, "mine") as served:
        # The kept schema (curated by adapt init) is the serving contract: every column filled in the first batch
        # and not ignored is required, whichever package reads it.
        [[probability]] = served.predict([{"x1": 0.2, "x2": 0.9, "x3": 0.4, "x4": 0.7, "channel": "web", "region": 2}])
        assert 0.0 <= probability <= 1.0


def test_labels_one_batch_late_are_estimated_on_arrival_scored_later_and_retrained_on(tmp_path):
    batches = covariate_shift_batches(tmp_path / "batches", batches=3, rows=300)[0].parent
    before = folder_listing(batches)
    workdir = tmp_path / "ws"
    adapt_cli("init", "--data", batches / "batch-01", "--label", "bought", "--workdir", workdir)
    small_settings(workdir)
    summary = json.loads(adapt_cli("replay", batches, "--workdir", workdir, "--labels-after", "1", "--json",
                                   timeout=1800))["summary"]
    rows = json.loads((workdir / "reports" / "replay-labels-after-1-triggered.json").read_text())
    assert [r["batch"] for r in rows] == ["batch-02", "labels of batch-02", "batch-03"]
    arrivals, late = rows[0::2], rows[1::2]
    for row in arrivals:   # judged without labels, scored once they came (batch-03's after the replay's end)
        assert row["labeled"] is False and 0.0 < row["estimated_accuracy_low"] <= row["estimated_accuracy"]
        assert 0.4 < row["accuracy"] <= 1.0 and "a span needs labels" in row["reason"]
    for row in late:
        assert row["labeled"] is True and row["labels_of"] and 0.4 < row["realized_now"] <= 1.0
        assert row["accuracy"] is None and "labels arrived with batch-0" in row["reason"]
    assert summary["retrains"] >= 1 and summary["pushes"] >= 1
    assert summary["mean_accuracy"] == pytest.approx(sum(r["accuracy"] for r in arrivals) / 2, abs=1e-4)
    assert summary["estimation_mae"] is not None
    copy = workdir / "replays" / "replay-labels-after-1"
    assert (copy / "batch-02" / "labels.csv").exists() and not (copy / "batch-03" / "labels.csv").exists()
    assert (copy / "batch-02" / "data.csv").read_text().splitlines()[0] == "x1,x2,segment"
    assert folder_listing(batches) == before
    spans = sorted(p.name for p in (workdir / "data").iterdir() if p.name.startswith("span-"))
    assert spans == ["span-1", "span-2"]   # the late-labeled batch became a span; batch-03's labels never came
