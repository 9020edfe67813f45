"""End to end with image batches, through the command line: the digits use case.

PNG files and labels.csv -> FileListGen -> BatchPredictionGen (the serving
model, image bytes in) -> PerformanceEvaluator (joined with labels.csv) ->
DriftDetector (pixel statistics against the training span's) ->
SpanPreparator (a TFRecord span) -> training (ImportExampleGen, Transform
decoding the images, the CNN) -> Evaluator -> push -> a base64 request
answered by `adapt serve`.
"""
import base64
import csv
import json
import shutil
import subprocess
import sys

import pytest
import yaml

from core.workspace import Workspace
from tests.helpers import Served, adapt_cli

pytestmark = pytest.mark.e2e

SMALL = {"training.train_steps": 300, "training.eval_steps": 5, "training.window": 2,
         "validation.infra_requests": 5, "validation.min_accuracy": 0.5}


def _b64(path) -> str:
    return base64.b64encode(path.read_bytes()).decode("ascii")


def test_digit_images_from_batch_to_served_model(tmp_path):
    workdir = tmp_path / "ws"
    printed = adapt_cli("data", "digits", "--workdir", workdir)
    assert "9 new batch(es)" in printed and "spans: 1" in printed
    config = yaml.safe_load((workdir / "adapt.yaml").read_text())["model"]
    assert config["module"] == "models.images" and config["classes"] == [str(d) for d in range(10)]
    assert sorted(p.name for p in (workdir / "data" / "span-1").iterdir()) == ["_SOURCE.json", "test", "train"]
    assert (workdir / "data" / "span-1" / "train" / "data.tfrecord.gz").stat().st_size > 10_000
    workspace = Workspace.open(str(workdir))
    workspace.write_config(workspace.load_config().with_overrides(SMALL))

    trained = json.loads(adapt_cli("train", "--workdir", workdir, "--json"))
    assert trained["pushed"] and trained["version"] == 1, trained["reason"]
    first_accuracy = trained["candidate_metrics"]["accuracy"]
    assert first_accuracy >= 0.8, trained

    drifted = workdir / "incoming" / "digits-09"  # the most drifted batch: rotated, blurred, inverted, noisy
    before = {p.name: p.read_bytes() for p in drifted.iterdir()}
    outcome = json.loads(adapt_cli("evaluate-batch", drifted, "--workdir", workdir, "--json"))
    assert outcome["labeled"] and outcome["serving_version"] == 1
    assert outcome["metrics"]["accuracy"] < first_accuracy - 0.1, outcome["metrics"]
    assert set(outcome["drifted_features"]) & {"image_brightness", "image_contrast", "image_sharpness"}, outcome
    assert "image" not in outcome["drifted_features"]
    assert outcome["retrain"] and outcome["span"] == 2 and outcome["triggered"]
    source = json.loads((workdir / "data" / "span-2" / "_SOURCE.json").read_text())
    assert source["batch"] == "digits-09" and sum(source["rows"].values()) == 199
    assert (workdir / "data" / "span-2" / "test" / "data.tfrecord.gz").exists()
    assert outcome["pushed_version"] == 2 and outcome["production_version"] == 2, outcome["training_outcome"]
    assert {p.name: p.read_bytes() for p in drifted.iterdir() if not p.name.startswith(".")} == before

    history = json.loads(adapt_cli("history", "--workdir", workdir, "--json"))
    assert [(e["trigger"], e["spans"], e["pushed_version"]) for e in history] == \
        [("manual", "1-1", 1), ("batch-evaluation", "1-2", 2)], history
    # The triggering batch's accuracy under version 1, realized and estimated from ten classes' probabilities.
    assert history[-1]["batch_accuracy"] == outcome["metrics"]["accuracy"]
    assert history[-1]["estimated_accuracy"] == outcome["estimated"]["accuracy"]
    assert outcome["estimated"]["rows"] == 199 and 0.0 < outcome["estimated"]["accuracy"] < 1.0

    with open(drifted / "labels.csv", newline="") as handle:
        first_two = list(csv.DictReader(handle))[:2]
    with Served(workdir, "digits") as served:
        metadata = served.get("/v1/models/digits/metadata")["metadata"]
        assert metadata["raw_features"] == {"image": "string"} and metadata["required_features"] == ["image"]
        images = [_b64(drifted / row["file"]) for row in first_two]
        bare, named = served.predict([{"b64": images[0]}, {"b64": images[1]}]), \
            served.predict([{"image": {"b64": images[0]}}])
        assert len(bare) == 2 and all(len(p) == 10 and sum(p) == pytest.approx(1.0, abs=1e-4) for p in bare)
        assert named[0] == pytest.approx(bare[0], abs=1e-6)
        with pytest.raises(Exception) as refused:
            served.predict([{"b64": "not base64!"}])
        assert getattr(refused.value, "code", None) == 400
        assert served.get("/v1/models/digits")["model_version_status"][0]["version"] == "2"

    # A file that is not an image: one line naming it, no span, the serving model as it was.
    broken = workdir / "incoming" / "broken"
    shutil.copytree(workdir / "incoming" / "digits-02", broken)
    (broken / "9999.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    failed = subprocess.run([sys.executable, "-m", "pipeline.cli", "evaluate-batch", str(broken), "--workdir",
                             str(workdir)], capture_output=True, text=True, timeout=600)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr, failed.stderr[-2000:]
    assert "9999.png: not a readable image" in failed.stderr.strip().splitlines()[-1], failed.stderr[-2000:]
    assert sorted(p.name for p in (workdir / "data").iterdir() if p.name.startswith("span-")) == ["span-1", "span-2"]
    # A labels file naming an image the batch does not hold: refused by the contract check before scoring.
    gone = workdir / "incoming" / "gone"
    shutil.copytree(workdir / "incoming" / "digits-02", gone)
    with open(gone / "labels.csv", newline="") as handle:
        missing_image = next(csv.DictReader(handle))["file"]
    (gone / missing_image).unlink()
    failed = subprocess.run([sys.executable, "-m", "pipeline.cli", "evaluate-batch", str(gone), "--workdir",
                             str(workdir)], capture_output=True, text=True, timeout=600)
    assert failed.returncode == 1 and len(failed.stderr.strip().splitlines()) >= 1
    said = failed.stderr.strip().splitlines()[-1]
    assert f"labels.csv names unknown instance {missing_image!r}" in said and "[while running" not in said, said
    assert sorted(p.name for p in (workdir / "data").iterdir() if p.name.startswith("span-")) == ["span-1", "span-2"]
    models = json.loads(adapt_cli("models", "list", "--workdir", workdir, "--json"))
    assert [m["version"] for m in models if m.get("stage") == "production"] == [2]
