import pytest

from core.policy.evidence import Verdict
from core.policy.rules import (ESTIMATED_RULE, RULES, BatchScores, EstimatedDrop, PerformanceSettings, RelativeDrop,
                               TestedDrop, judge, realized_rules, relative_drop)


def labeled(settings: PerformanceSettings, **metrics) -> Verdict:
    return judge(BatchScores(metrics, {}, labeled=True), settings)


def unlabeled(settings: PerformanceSettings, estimated) -> Verdict:
    return judge(BatchScores({}, estimated, labeled=False), settings)


def test_rules_are_registered_by_key():
    assert RULES.keys() == ("relative_drop", "tested_drop", ESTIMATED_RULE) and ESTIMATED_RULE == "estimated_drop"
    assert RULES.get("relative_drop") is RelativeDrop and RULES.get("estimated_drop") is EstimatedDrop
    assert RULES.get("tested_drop") is TestedDrop and realized_rules() == ("relative_drop", "tested_drop")
    with pytest.raises(ValueError, match="no performance rule 'coin' \\(known: relative_drop, tested_drop, "
                                         "estimated_drop\\)"):
        RULES.get("coin")


def test_the_relative_drop_is_a_share_of_the_reference_in_the_direction_that_is_worse():
    assert relative_drop(0.75, 0.90) == pytest.approx(1 / 6)
    assert relative_drop(1.0, 0.9) == pytest.approx(-1 / 9)
    assert relative_drop(2.25, 2.0, "mae") == pytest.approx(0.125)
    assert relative_drop(0.5, 0.0) is None


def test_below_threshold_asks_for_retraining():
    assert labeled(PerformanceSettings("accuracy", threshold=0.88), accuracy=0.5) == \
        Verdict(True, "accuracy 0.500 < threshold 0.88")
    assert labeled(PerformanceSettings("accuracy", threshold=0.88), accuracy=1.0).retrain is False


def test_a_relative_drop_against_the_models_own_holdout_asks_for_retraining():
    assert labeled(PerformanceSettings("accuracy", reference=0.90, max_drop=0.03), accuracy=0.75) == \
        Verdict(True, "accuracy 0.750 is 16.7% below the serving model's 0.900 on its holdout (max drop 3%)")
    assert labeled(PerformanceSettings("accuracy", reference=1.0, max_drop=0.03), accuracy=1.0).retrain is False
    small = labeled(PerformanceSettings("accuracy", reference=0.76, max_drop=0.03), accuracy=0.75)
    assert small.retrain is False and "1.3% below" in small.reason


def test_either_the_drop_or_the_absolute_floor_fires():
    verdict = labeled(PerformanceSettings("accuracy", threshold=0.8, reference=0.76, max_drop=0.03), accuracy=0.75)
    assert verdict.retrain is True and verdict.reason.endswith("accuracy 0.750 < threshold 0.80")
    no_rule = labeled(PerformanceSettings("accuracy"), accuracy=0.75)
    assert no_rule == Verdict(None, "accuracy 0.750; no reference or threshold to judge it by")


def test_a_metric_the_batch_does_not_define_decides_nothing():
    assert labeled(PerformanceSettings("auc", threshold=0.8), accuracy=0.75) == \
        Verdict(None, "auc is undefined on this batch; no performance decision")


def test_an_error_metric_fires_when_it_rises_above_the_serving_models_holdout_figure():
    verdict = labeled(PerformanceSettings("mae", reference=2.0, max_drop=0.2), mae=2.25)
    assert verdict == Verdict(False, "mae 2.250 is 12.5% above the serving model's 2.000 on its holdout "
                                     "(max drop 20%)")
    assert labeled(PerformanceSettings("mae", reference=1.5, max_drop=0.2), mae=2.25).retrain is True
    assert labeled(PerformanceSettings("mae", reference=3.0, max_drop=0.2), mae=2.25).reason.startswith(
        "mae 2.250 is not above")
    assert labeled(PerformanceSettings("mae", threshold=2.0), mae=2.25) == Verdict(True, "mae 2.250 > threshold 2.00")


ESTIMATED = {"accuracy": 0.70, "accuracy_low": 0.66, "accuracy_high": 0.74, "auc": 0.71, "rows": 1000,
             "calibrated": True}


def test_without_labels_or_an_estimate_no_decision_is_made():
    assert unlabeled(PerformanceSettings("accuracy", threshold=0.88), {}) == Verdict(None, "no ground truth yet")


def test_an_estimate_far_below_the_holdout_score_fires_for_a_batch_without_labels():
    rule = PerformanceSettings("accuracy", reference=0.85, max_drop=0.05, estimated_max_drop=0.05)
    assert unlabeled(rule, ESTIMATED) == Verdict(True, (
        "no ground truth yet; estimated accuracy 0.700 (band 0.660-0.740) is 17.6% below the serving model's 0.850 "
        "on its holdout; the band excludes it (estimated max drop 5%)"))


def test_an_estimate_whose_band_holds_the_holdout_score_does_not_fire():
    rule = PerformanceSettings("accuracy", reference=0.76, estimated_max_drop=0.05)  # 7.9 % below, in a wide band
    verdict = unlabeled(rule, {**ESTIMATED, "accuracy_high": 0.78})
    assert verdict.retrain is False and verdict.reason.endswith("; the band holds it (estimated max drop 5%)")
    off = unlabeled(PerformanceSettings("accuracy", reference=0.85), ESTIMATED)
    assert off == Verdict(None, "no ground truth yet; estimated accuracy 0.700 (band 0.660-0.740)")


def test_an_uncalibrated_estimate_says_so():
    verdict = unlabeled(PerformanceSettings("accuracy"), {"accuracy": 0.75, "calibrated": False})
    assert verdict == Verdict(None, "no ground truth yet; estimated accuracy 0.750, uncalibrated")


def test_an_estimated_error_fires_when_its_band_lies_above_the_reference():
    estimate = {"mae": 3.25, "mae_low": 3.25, "mae_high": 3.25}
    assert unlabeled(PerformanceSettings("mae", reference=2.0, estimated_max_drop=0.1), estimate) == Verdict(True, (
        "no ground truth yet; estimated mae 3.250 (band 3.250-3.250) is 62.5% above the serving model's 2.000 on its "
        "holdout; the band excludes it (estimated max drop 10%)"))
    held = unlabeled(PerformanceSettings("mae", reference=3.0, estimated_max_drop=0.05), {**estimate, "mae_low": 2.9})
    assert held.retrain is False and held.reason.endswith("; the band holds it (estimated max drop 5%)")


def test_realized_metrics_are_the_authority_once_labels_exist():
    rule = PerformanceSettings("accuracy", reference=0.5, max_drop=0.05, estimated_max_drop=0.05)
    scores = BatchScores({"accuracy": 1.0}, {**ESTIMATED, "accuracy": 0.2, "accuracy_high": 0.3}, labeled=True)
    assert judge(scores, rule).retrain is False
    assert judge(BatchScores({}, scores.estimated, labeled=False), rule).retrain is True


def _tested(**settings) -> PerformanceSettings:
    return PerformanceSettings("accuracy", **{"reference": 0.88, "reference_rows": 1000, "max_drop": 0.02,
                                              "rule": "tested_drop", **settings})


def test_the_tested_rule_weighs_the_same_drop_by_the_rows_behind_it():
    small = judge(BatchScores({"accuracy": 0.85}, {}, labeled=True, rows=200), _tested())
    large = judge(BatchScores({"accuracy": 0.85}, {}, labeled=True, rows=50_000), _tested(reference_rows=5000))
    small_holdout = judge(BatchScores({"accuracy": 0.85}, {}, labeled=True, rows=50_000), _tested())
    assert small_holdout.retrain is False and "on 1000 holdout rows" in small_holdout.reason   # its noise counts
    assert small.retrain is False and "on 200 rows" in small.reason and "within the 2% tolerance" in small.reason
    assert large.retrain is True and "beyond the 2% tolerance by chance (p=" in large.reason
    fixed = judge(BatchScores({"accuracy": 0.85}, {}, labeled=True, rows=50_000), _tested(rule="relative_drop",
                                                                                           max_drop=0.05))
    assert fixed.retrain is False   # today's rule: a real 3-point drop below 5 % never fires, whatever the rows


def test_the_tested_rule_keeps_the_threshold_and_leaves_untested_metrics_to_the_relative_drop():
    floor = judge(BatchScores({"accuracy": 0.85}, {}, labeled=True, rows=200), _tested(threshold=0.86))
    assert floor.retrain is True and floor.reason.endswith("accuracy 0.850 < threshold 0.86")
    auc = judge(BatchScores({"auc": 0.70}, {}, labeled=True, rows=50_000),
                PerformanceSettings("auc", reference=0.9, max_drop=0.05, rule="tested_drop"))
    assert auc == judge(BatchScores({"auc": 0.70}, {}, labeled=True), PerformanceSettings("auc", reference=0.9,
                                                                                          max_drop=0.05))


def test_the_tested_rule_on_mean_absolute_error_uses_the_batch_error_spread():
    settings = PerformanceSettings("mae", reference=2.0, reference_rows=500, max_drop=0.02, rule="tested_drop")
    noisy = judge(BatchScores({"mae": 2.2}, {}, labeled=True, rows=100, spreads={"mae": 3.0}), settings)
    steady = judge(BatchScores({"mae": 2.2}, {}, labeled=True, rows=5000, spreads={"mae": 1.0}), settings)
    assert noisy.retrain is False and steady.retrain is True and "mae 2.200 on 5000 rows is 10.0% above" in steady.reason
