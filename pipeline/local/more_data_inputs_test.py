import json

from core.config import Config
from core.learning_curve import CurvePoint, LearningCurve
from core.policy.more_data import MoreDataInputs
from pipeline.local.batch_evaluation import more_data_inputs

CURVE = LearningCurve("mae", (CurvePoint(50, 3.0, 0.1), CurvePoint(100, 2.5, 0.1)), 0.05, 100)


def test_the_serving_models_curve_on_the_watched_metric_reaches_span_preparator(tmp_path):
    info = tmp_path / "1" / "assets.extra" / "adapt_model.json"
    info.parent.mkdir(parents=True)
    info.write_text(json.dumps({"learning_curves": [CURVE.to_dict()]}))
    config = Config.from_dict({"training": {"window": 3}, "drift": {"false_alarm_rate": 0.01},
                               "retraining": {"more_data": {"enabled": True}}})
    found = MoreDataInputs.from_json(more_data_inputs(config, str(tmp_path), 1, "mae"))
    assert found.curve == CURVE and found.window == 3 and found.false_alarm_rate == 0.01 and found.settings.enabled
    assert MoreDataInputs.from_json(more_data_inputs(config, str(tmp_path), 1, "rmse")).curve is None
    assert MoreDataInputs.from_json(more_data_inputs(config, str(tmp_path), 2, "mae")).curve is None   # no info
    off = Config.from_dict({"retraining": {"more_data": {"enabled": False}}})
    assert more_data_inputs(off, str(tmp_path), 1, "mae") == ""
