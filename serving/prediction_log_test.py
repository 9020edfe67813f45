"""The prediction log: one line per answered instance, ids a labels file can name, rotation, sampling."""
import json

from serving.prediction_log import PredictionLog, instance_ids, read_log


def test_each_instance_is_a_line_with_its_request_id_version_and_prediction(tmp_path):
    log = PredictionLog(str(tmp_path), file_bytes=100)
    log.record("req-a", 3, [{"x": 1.0}], [[0.9]])
    log.record("req-b", 3, [{"x": 2.0}, {"x": None}], [[0.2], [0.4]], label="canary")
    log.close()
    lines = read_log(str(tmp_path), 0, 1e12)
    assert [line["instance_id"] for line in lines] == ["req-a", "req-b-0", "req-b-1"]
    assert lines[1]["instance"] == {"x": 2.0} and lines[2]["prediction"] == [0.4]
    assert {line["version"] for line in lines} == {3} and lines[1]["label"] == "canary"
    assert len(list(tmp_path.glob("predictions-*.jsonl"))) == 2  # past 100 bytes the second request starts a file
    assert log.written == 3 and log.dropped == 0


def test_a_time_slice_skips_lines_cut_off_by_a_crash(tmp_path):
    (tmp_path / "predictions-1.jsonl").write_text(
        json.dumps({"time": 10.0, "instance_id": "a"}) + "\n" + json.dumps({"time": 20.0, "instance_id": "b"})
        + "\n" + '{"time": 30.0, "inst')
    assert [line["instance_id"] for line in read_log(str(tmp_path), 15, 100)] == ["b"]
    assert read_log(str(tmp_path), 0, 10) == []


def test_sampling_logs_about_its_share_of_requests(tmp_path):
    log = PredictionLog(str(tmp_path), sample_rate=0.25)
    assert 150 < sum(log.sampled() for _ in range(1000)) < 350
    assert PredictionLog(str(tmp_path), sample_rate=1.0).sampled()
    assert instance_ids("r", 1) == ["r"] and instance_ids("r", 2) == ["r-0", "r-1"]
