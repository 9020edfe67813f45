import pytest
import yaml

from core.config import Config, ConfigError


def test_defaults_are_valid_and_documented():
    config = Config()
    assert config.training.window == 4
    assert config.performance.threshold == 0.0 and config.performance.max_drop == 0.05
    settings = config.drift_settings()
    assert (settings.method("fare", "numeric"), settings.method("payment_type", "categorical")) == ("ks_t", "chi2")
    assert settings.false_alarm_rate == 0.05 and settings.min_importance == 0.1


def test_written_yaml_round_trips_to_the_same_config():
    config = Config()
    text = config.to_yaml()
    assert "# Train on the last K spans, or `auto`" in text
    assert Config.from_dict(yaml.safe_load(text)) == config


@pytest.mark.parametrize("values, message", [
    ({"training": {"window": 0}}, "training.window: must be >= 1, got 0"),
    ({"training": {"window": "four"}}, "training.window: must be an integer"),
    ({"training": {"mode": "fast"}}, "training.mode: must be one of scratch, warm-start"),
    ({"training": {"windw": 3}}, "training.windw: unknown configuration key"),
    ({"trainng": {}}, "trainng: unknown configuration key"),
    ({"performance": {"threshold": -0.5}}, "performance.threshold: must be >= 0.0"),
    ({"performance": {"metrics": ["accuracy", "f7"]}}, "performance.metrics: 'f7' is not one of"),
    ({"drift": {"false_alarm_rate": "high"}}, "drift.false_alarm_rate: must be a number"),
    ({"drift": {"numeric_method": "psi"}}, "drift.numeric_method: must be one of ks, ks_t, t"),
    ({"drift": {"feature_methods": {"fare": "psi"}}}, "drift.feature_methods.fare: must be one of ks, ks_t, t, chi2"),
    ({"drift": {"min_importance": 1.5}}, "drift.min_importance: must be <= 1.0"),
])
def test_invalid_values_name_the_key(values, message):
    with pytest.raises(ConfigError) as raised:
        Config.from_dict(values)
    assert message in str(raised.value)


def test_per_feature_tests_and_retired_threshold_keys(capsys):
    config = Config.from_dict({"drift": {"thresholds": {"psi": 0.4}, "features": {"fare": {"linf": 0.05}},
                                         "feature_methods": {"trip_start_hour": "chi2"}}})
    assert config.drift_settings().method("trip_start_hour", "numeric") == "chi2"
    assert config.drift_settings().method("fare", "numeric") == "ks_t"
    said = capsys.readouterr().err
    assert "drift.thresholds in adapt.yaml is ignored" in said and "drift.features in adapt.yaml is ignored" in said


def test_overrides_replace_keys_and_are_validated():
    config = Config().with_overrides({"training.window": 2, "training.mode": None})
    assert config.training.window == 2 and config.training.mode == "scratch"
    with pytest.raises(ConfigError, match="training.window: must be >= 1"):
        Config().with_overrides({"training.window": -1})
    with pytest.raises(ConfigError, match="training.nope: unknown configuration key"):
        Config().with_overrides({"training.nope": 1})


def test_load_reports_the_file_and_bad_yaml(tmp_path):
    path = tmp_path / "adapt.yaml"
    path.write_text("training: {window: [\n")
    with pytest.raises(ConfigError, match="adapt.yaml: not valid YAML"):
        Config.load(path)
    path.write_text("training:\n  window: 0\n")
    with pytest.raises(ConfigError, match=r"adapt.yaml: training.window: must be >= 1"):
        Config.load(path)


def test_performance_metrics_follow_the_task():
    performance = Config().performance
    assert performance.for_task("classification") == (["accuracy", "auc", "precision", "recall"], "accuracy")
    assert performance.for_task("regression") == (["mae", "rmse", "r2"], "mae")
    chosen = Config().with_overrides({"performance.metrics": ["rmse"], "performance.threshold_metric": "rmse"})
    assert chosen.performance.for_task("regression") == (["rmse"], "rmse")
