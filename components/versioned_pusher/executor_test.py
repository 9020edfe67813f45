import json
import os
import subprocess
import sys
import threading
import time

import pytest
from tfx.proto import pusher_pb2
from tfx.types import standard_artifacts
from tfx.utils import proto_utils

import components  # noqa: F401
from components.versioned_pusher import executor
from core import versions
from tests.helpers import save_tiny_model


def _model(tmp_path, name, weight):
    artifact = standard_artifacts.Model()
    artifact.uri = str(tmp_path / name)
    save_tiny_model(os.path.join(artifact.uri, "Format-Serving"), weight)
    return artifact


def _blessing(kind, blessed, reason=""):
    artifact = kind()
    artifact.set_int_custom_property("blessed", int(blessed))
    if reason:
        artifact.set_string_custom_property("reason", reason)
    return artifact


def _push(tmp_path, model, blessed=True, infra=True, infra_reason="", custom_config=None):
    pushed = standard_artifacts.PushedModel()
    pushed.uri = str(tmp_path / "push-out" / str(len(os.listdir(tmp_path))))
    destination = pusher_pb2.PushDestination(
        filesystem=pusher_pb2.PushDestination.Filesystem(base_directory=str(tmp_path / "serving")))
    executor.Executor().Do(
        {"model": [model], "model_blessing": [_blessing(standard_artifacts.ModelBlessing, blessed)],
         "infra_blessing": [_blessing(standard_artifacts.InfraBlessing, infra, infra_reason)]},
        {"pushed_model": [pushed]},
        {"push_destination": proto_utils.proto_to_json(destination), "custom_config": json.dumps(custom_config)})
    return pushed


def test_versions_are_sequential_integers(tmp_path):
    first = _push(tmp_path, _model(tmp_path, "m1", 0.5))
    second = _push(tmp_path, _model(tmp_path, "m2", -0.5))
    assert first.get_int_custom_property("pushed") == 1
    assert first.get_string_custom_property("pushed_version") == "1"
    assert second.get_string_custom_property("pushed_version") == "2"
    assert sorted(os.listdir(tmp_path / "serving")) == ["1", "2"]
    assert (tmp_path / "serving" / "2" / "saved_model.pb").exists()


def test_the_same_model_is_not_pushed_twice(tmp_path):
    model = _model(tmp_path, "m1", 0.5)
    _push(tmp_path, model)
    again = _push(tmp_path, model)
    assert again.get_int_custom_property("pushed") == 0
    assert again.get_int_custom_property("identical_version") == 1
    assert "identical to version 1" in again.get_string_custom_property("reason")
    assert os.listdir(tmp_path / "serving") == ["1"]


@pytest.mark.parametrize("blessed, infra, expected", [
    (False, True, "not blessed by Evaluator"),
    (True, False, "not blessed by infra validation: server exited"),
])
def test_unblessed_models_are_declined_with_the_reason(tmp_path, blessed, infra, expected):
    pushed = _push(tmp_path, _model(tmp_path, "m1", 0.5), blessed=blessed, infra=infra,
                   infra_reason="server exited")
    assert pushed.get_int_custom_property("pushed") == 0
    assert expected in pushed.get_string_custom_property("reason")
    assert not (tmp_path / "serving").exists()


def test_a_half_copied_version_is_never_visible(tmp_path, monkeypatch):
    model = _model(tmp_path, "m1", 0.5)
    base = tmp_path / "serving"

    def failing_rename(src, dst):
        raise OSError("simulated crash")

    monkeypatch.setattr(executor.os, "rename", failing_rename)
    with pytest.raises(RuntimeError, match="could not claim a new version"):
        executor.copy_version(os.path.join(model.uri, "Format-Serving"), str(base))
    assert [name for name in os.listdir(base) if not name.startswith(".")] == []


@pytest.mark.parametrize("evaluated_against, pushed", [(2, True), (1, False)])
def test_the_blessing_holds_only_against_the_version_the_evaluator_compared_with(tmp_path, evaluated_against,
                                                                                 pushed):
    # Two trainings began against "nothing serves"; the first pushed version 1 while the second was evaluated.
    _push(tmp_path, _model(tmp_path, "m1", 0.5), custom_config={executor.EVALUATED_AGAINST: None})
    second = _push(tmp_path, _model(tmp_path, "m2", -0.5), custom_config={executor.EVALUATED_AGAINST: 1})
    assert second.get_int_custom_property("pushed") == 1  # compared with version 1, version 1 still serves
    late = _push(tmp_path, _model(tmp_path, "m3", 0.1), custom_config={executor.EVALUATED_AGAINST: evaluated_against})
    assert late.get_int_custom_property("pushed") == int(pushed)
    if not pushed:
        assert late.get_string_custom_property("reason") == (
            "version 2 began serving after this candidate was compared with version 1: the blessing is stale")
        assert sorted(os.listdir(tmp_path / "serving")) == ["1", "2"]


def test_a_rollback_while_a_candidate_was_evaluated_makes_its_blessing_stale(tmp_path):
    _push(tmp_path, _model(tmp_path, "m1", 0.5))
    _push(tmp_path, _model(tmp_path, "m2", -0.5))
    versions.pin_version(str(tmp_path / "serving"), 1)
    late = _push(tmp_path, _model(tmp_path, "m3", 0.1), custom_config={executor.EVALUATED_AGAINST: 2})
    assert late.get_int_custom_property("pushed") == 0 and "version 1 began serving" in \
        late.get_string_custom_property("reason")


def test_a_push_waits_for_the_version_folder_and_a_killed_holder_lets_go(tmp_path):
    base = tmp_path / "serving"
    base.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from core import versions\n"
        f"with versions.changing({str(base)!r}):\n    print('held', flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    started = time.monotonic()
    holder_killed_at = started + 1.0

    def kill_later():
        time.sleep(1.0)
        holder.kill()

    threading.Thread(target=kill_later).start()
    pushed = _push(tmp_path, _model(tmp_path, "m1", 0.5))
    assert time.monotonic() >= holder_killed_at  # it waited for the holder, and went on once the kernel let go
    assert pushed.get_string_custom_property("pushed_version") == "1"
    holder.wait()


def test_a_canary_push_leaves_the_serving_version_in_production_and_the_new_one_its_canary(tmp_path):
    canary = {executor.CANARY_TRAFFIC: 0.2}
    first = _push(tmp_path, _model(tmp_path, "m1", 0.5), custom_config=canary)  # nothing served: it serves
    second = _push(tmp_path, _model(tmp_path, "m2", -0.5), custom_config=canary)
    base = str(tmp_path / "serving")
    assert not first.has_custom_property("canary_of") and second.get_int_custom_property("canary_of") == 1
    assert versions.list_versions(base) == [1, 2] and versions.production_version(base) == 1
    assert {k: versions.read_canary(base)[k] for k in ("version", "stable_version", "traffic")} == \
        {"version": 2, "stable_version": 1, "traffic": 0.2}
    versions.end_canary(base, promote=True)
    assert versions.production_version(base) == 2
