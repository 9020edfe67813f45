"""A pipeline step's model is loaded once per process, and again when its folder was written again."""
import os
import shutil

from serving import model as serving_model
from tests.helpers import save_tiny_model

INSTANCE = {"trip_miles": 1.5, "payment_type": "Cash", "trip_start_hour": 9}


def test_recent_models_are_loaded_once_and_a_rewritten_folder_is_loaded_again(tmp_path, monkeypatch):
    first, other = save_tiny_model(str(tmp_path / "a"), weight=0.1), save_tiny_model(str(tmp_path / "b"), weight=2.0)
    loads = []
    original = serving_model.LoadedModel.load.__func__
    monkeypatch.setattr(serving_model.LoadedModel, "load",
                        classmethod(lambda cls, path, version: loads.append(path) or original(cls, path, version)))
    model = serving_model.recent_model(first)
    assert serving_model.recent_model(first) is model and loads == [first]
    answer = model.predict_serialized(model.to_examples([INSTANCE]))
    assert serving_model.recent_model(other).predict_serialized(model.to_examples([INSTANCE])) != answer

    shutil.rmtree(first)
    shutil.copytree(other, first)  # the same folder, another model
    os.utime(os.path.join(first, "saved_model.pb"), ns=(1, 1))
    assert serving_model.recent_model(first).predict_serialized(model.to_examples([INSTANCE])) != answer
    assert loads == [first, other, first]
