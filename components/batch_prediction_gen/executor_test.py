import json
import sys

import pytest

import components  # noqa: F401
from components.artifacts import BatchPredictions, FileList, write_report
from components.batch_prediction_gen import executor
from components.file_list_gen.executor import list_batch
from core.data.batch import Batch
from core.data.predictions import read_predictions
from tests.helpers import artifact, example, save_tiny_model, write_csv, write_tfrecord

HEADER = ["trip_miles", "payment_type", "trip_start_hour", "company", "big_tipper"]


def _listing(tmp_path, rows):
    path = write_csv(tmp_path / "batch" / "data.csv", HEADER, rows)
    listing = artifact(FileList, tmp_path / "list")
    write_report(listing, {"batch": "batch", "uri": str(tmp_path / "batch"), "format": "csv", "label": "big_tipper",
                           "files": [{"name": "data.csv", "path": str(path), "instances": len(rows)}],
                           "num_instances": len(rows), "inline_labels": True, "labels_file": None})
    return listing


def _tfrecord_listing(tmp_path, examples):
    write_tfrecord(tmp_path / "batch" / "part.tfrecord.gz", examples, gzipped=True)
    listing = artifact(FileList, tmp_path / "list")
    write_report(listing, list_batch(Batch(str(tmp_path / "batch"), label="big_tipper")))
    return listing


def _run(tmp_path, rows, version=0, listing=None):
    save_tiny_model(str(tmp_path / "serving" / "1"), 0.5)
    save_tiny_model(str(tmp_path / "serving" / "2"), -0.5)
    output = artifact(BatchPredictions, tmp_path / "pred")
    listing = listing or _listing(tmp_path, rows)
    executor.Executor().Do({"file_list": [listing]}, {"predictions": [output]},
                           {"serving_model_dir": str(tmp_path / "serving"), "model_version": version,
                            "mode": "local"})
    return output, read_predictions(output.uri)


def test_predictions_carry_their_instance_id_label_and_class_probabilities(tmp_path):
    rows = [["2.0", "Cash", "5", "Flash Cab", "1"], ["0.0", "Credit Card", "", "", "0"]]
    output, records = _run(tmp_path, rows)
    assert output.model_version == 2 and output.num_predictions == 2  # the production version: the highest
    by_id = {r["instance_id"]: r for r in records}
    assert by_id["data.csv:0"]["label"] == "1" and by_id["data.csv:1"]["label"] == "0"
    # tiny model 2: sigmoid(-0.5 * miles + cash - 0.5)
    assert by_id["data.csv:0"]["score"] == pytest.approx(0.3775, abs=1e-3)
    assert by_id["data.csv:0"]["probabilities"] == pytest.approx([0.6225, 0.3775], abs=1e-3)
    assert by_id["data.csv:1"]["prediction"] == "0"
    assert json.loads((tmp_path / "pred" / "model.json").read_text())["version"] == 2


def test_a_big_batch_is_read_in_ranges_and_written_in_shards_with_every_row_once(tmp_path, monkeypatch):
    monkeypatch.setattr(executor, "ROWS_PER_READ", 700)  # five reads of one file, the last one to its end
    monkeypatch.setattr(executor, "single_process", lambda beam_args: False)  # Beam's path, as on any other runner
    rows = [[f"{i % 7}.5", "Cash" if i % 3 else "Credit Card", str(i % 24), "", str(i % 2)] for i in range(3000)]
    output, records = _run(tmp_path, rows)
    assert sorted(int(r["instance_id"].split(":")[1]) for r in records) == list(range(3000))
    assert all(r["label"] == str(int(r["instance_id"].split(":")[1]) % 2) for r in records)


def test_a_batch_predicted_in_process_gets_the_records_beam_writes(tmp_path, monkeypatch):
    rows = [[f"{i % 7}.5", "Cash" if i % 3 else "Credit Card", str(i % 24), "", str(i % 2)] for i in range(2500)]
    _, in_process = _run(tmp_path / "memory", rows)
    assert len(list((tmp_path / "memory" / "pred").glob("predictions-*.jsonl"))) == 1
    monkeypatch.setattr(executor, "single_process", lambda beam_args: False)
    monkeypatch.setattr(executor.Executor, "_predict_in_process",
                        lambda *args: pytest.fail("in process under a runner of several processes"))
    _, by_beam = _run(tmp_path / "beam", rows)
    key = lambda r: int(r["instance_id"].split(":")[1])  # noqa: E731
    assert sorted(in_process, key=key) == sorted(by_beam, key=key) and len(by_beam) == 2500


def test_row_ranges_cover_each_file_and_the_last_read_runs_to_its_end(monkeypatch):
    monkeypatch.setattr(executor, "ROWS_PER_READ", 100)
    files = [{"name": "a.csv", "instances": 250}, {"name": "b.csv", "instances": 100}]
    assert [(entry["name"], rows) for entry, rows in executor.row_ranges(files)] == [
        ("a.csv", (0, 100)), ("a.csv", (100, 200)), ("a.csv", (200, sys.maxsize)), ("b.csv", (0, sys.maxsize))]


def test_a_named_version_is_used_when_asked(tmp_path):
    output, records = _run(tmp_path, [["2.0", "Cash", "5", "", "1"]], version=1)
    assert output.model_version == 1 and records[0]["score"] == pytest.approx(0.8176, abs=1e-3)


def test_text_in_a_numeric_feature_names_file_and_line(tmp_path):
    with pytest.raises(executor.PredictionError, match="batch batch: data.csv line 3: column 'trip_miles' expects float"):
        _run(tmp_path, [["2.0", "Cash", "5", "", "1"], ["far", "Cash", "5", "", "1"]])


def test_a_tfrecord_batch_predicts_like_its_csv_twin(tmp_path):
    csv_rows = [["2.0", "Cash", "5", "Flash Cab", "1"], ["0.0", "Credit Card", "", "", "0"]]
    csv_records = _run(tmp_path / "csv", csv_rows)[1]
    examples = [example(trip_miles=2.0, payment_type="Cash", trip_start_hour=5, company="Flash Cab", big_tipper=1),
                example(trip_miles=0.0, payment_type="Credit Card", big_tipper=0)]
    output, records = _run(tmp_path / "tfr", None, listing=_tfrecord_listing(tmp_path / "tfr", examples))
    assert output.num_predictions == 2

    def comparable(found):
        return [(r["score"], r["label"], r["prediction"])
                for r in sorted(found, key=lambda r: r["instance_id"].split(":")[1])]
    assert comparable(records) == comparable(csv_records)


def test_a_tfrecord_value_of_the_wrong_type_names_file_and_record(tmp_path):
    examples = [example(trip_miles=1.0, big_tipper=1), example(trip_miles="far", big_tipper=0)]
    with pytest.raises(executor.PredictionError,
                       match="batch batch: part.tfrecord.gz record 1: feature 'trip_miles' expects a number"):
        _run(tmp_path, None, listing=_tfrecord_listing(tmp_path, examples))


def test_without_a_serving_model_the_error_says_so(tmp_path):
    with pytest.raises(executor.PredictionError, match="no serving model"):
        executor.resolve_model(str(tmp_path / "empty"), 0)


def test_vertex_results_are_matched_back_to_instances():
    instances = {"data.csv:0": ({"trip_miles": 1.0}, "1"), "data.csv:1": ({"trip_miles": 1.0}, "0"),
                 "data.csv:2": ({"trip_miles": 3.0}, None)}
    by_payload = executor.vertex_instances(instances, {"trip_miles": "float"})
    assert sorted(len(ids) for ids in by_payload.values()) == [1, 2]  # two identical instances share a payload
    lines = [json.dumps({"instance": {"examples": {"b64": payload}}, "prediction": [0.25]})
             for payload, ids in by_payload.items() for _ in ids]
    records = [json.loads(r) for r in executor.vertex_results_to_records(lines, by_payload, instances, ["0", "1"])]
    assert sorted((r["instance_id"], r["label"], r["score"]) for r in records) == [
        ("data.csv:0", "1", 0.25), ("data.csv:1", "0", 0.25), ("data.csv:2", None, 0.25)]
    request = executor.vertex_batch_request({"batch": "q"}, {"vertex_model": "projects/p/models/1"},
                                            "gs://b/in.jsonl", "gs://b/out")
    assert request["gcs_source"] == ["gs://b/in.jsonl"] and request["instances_format"] == "jsonl"
    with pytest.raises(executor.PredictionError, match="gs://"):
        executor.vertex_batch_request({"batch": "q"}, {"vertex_model": "m"}, "/local/in", "/local/out")


def test_an_image_file_that_does_not_decode_names_the_file():
    import io

    from PIL import Image
    buffer = io.BytesIO()
    Image.new("L", (8, 8)).save(buffer, format="PNG")
    assert next(executor.image_instances({"name": "ok.png", "path": _bytes_file(buffer.getvalue())},
                                         {"image": "string"}, "label", "batch b: ok.png"))[0] == "ok.png"
    with pytest.raises(executor.PredictionError, match=r"batch b: 3\.png: not a readable image"):
        list(executor.image_instances({"name": "3.png", "path": _bytes_file(buffer.getvalue()[:20])},
                                      {"image": "string"}, "label", "batch b: 3.png"))
    with pytest.raises(executor.PredictionError, match="not an 'image'.*an image model"):
        list(executor.image_instances({"name": "ok.png", "path": _bytes_file(buffer.getvalue())},
                                      {"trip_miles": "float"}, "label", "batch b: ok.png"))


def _bytes_file(data: bytes) -> str:
    import tempfile
    with tempfile.NamedTemporaryFile(suffix=".png", delete=False) as handle:
        handle.write(data)
    return handle.name
