"""The pages from fixed rows: what they show, and that nothing from the data is ever markup."""
import re
from types import SimpleNamespace

from pipeline.ui import charts, pages

EVIL = "<script>alert(1)</script>"


def _evaluation(batch, value, **more):
    row = {"run_id": f"run-{batch}", "batch": batch, "evaluated_at": 1_700_000_000.0,
           "serving_version": 1, "labeled": value is not None, "metric": "accuracy", "value": value,
           "metrics": {"accuracy": value} if value is not None else {}, "estimate": {}, "estimated": 0.8,
           "estimated_low": 0.75, "estimated_high": 0.85, "performance_reason": "accuracy fine",
           "drifted": True, "drifted_features": [EVIL], "drift_reason": f"{EVIL} drifted",
           "drift_features": [{"feature": EVIL, "kind": "categorical", "method": "chi2", "value": 41.0,
                               "threshold": 0.05, "p_value": 0.0001, "baseline_rows": 900, "batch_rows": 300,
                               "importance": 0.5, "drifted": True},
                              {"feature": "steady", "kind": "numeric", "method": "ks_t", "value": 0.02,
                               "threshold": 0.05, "p_value": 0.9, "baseline_rows": 900, "batch_rows": 300,
                               "importance": 0.1, "drifted": False}],
           "baseline_spans": [1], "drift_statistics": "", "prediction_drift": {}, "retrain": True,
           "reason": f"drift: {EVIL}", "span": 2, "triggered": True, "training_outcome": "pushed as version 2",
           "pushed_version": 2, "declined": False}
    row.update(more)
    return row


class FakeViews:
    config = SimpleNamespace(model=SimpleNamespace(name=EVIL))

    def __init__(self):
        self.rows = [_evaluation("b1", 0.9), _evaluation("b2", None, triggered=False, pushed_version=None,
                                                         training_outcome="", evaluated_at=1_700_000_200.0)]

    def batch_evaluations(self):
        return self.rows

    def history(self):
        return [{"time": 1_700_000_100.0, "event": "rollback", "trigger": "manual", "spans": "", "production_version": 1,
                 "outcome": "rolled back from version 2 to 1", "reason": EVIL, "updated": True}]

    def serving_version(self):
        return 1

    def models(self):
        return [{"version": 1, "stage": "production", "spans": "1-1", "holdout": {}, "metrics": {"accuracy": 0.9},
                 "baseline_metrics": {}, "baseline_version": None, "infra_blessed": True, "pushed_at": None,
                 "decision": EVIL, "reason": EVIL, "model_id": 3, "run_id": "20261206-1-ab"}]

    def data(self):
        return {"spans": [{"span": 1, "batch": EVIL, "rows": {"train": 9, "test": 3}, "written_at": None,
                           "quarantined": True, "reason": EVIL}], "records": [], "waiting": [{"batch": EVIL,
                                                                                            "uri": EVIL}]}

    def runs(self):
        return [{"run_id": "20261206-1-ab", "started_at": 1_700_000_000.0, "pipeline": "adapt-training", "seconds": 3.0, "failed": False,
                 "components": [{"node": EVIL, "state": "failed", "seconds": 1.0}], "log": EVIL}]

    def feature_distributions(self, row, feature):
        return {"kind": "categorical", "labels": [EVIL, "b"], "baseline": [0.5, 0.5], "batch": [0.9, 0.1]}


def test_nothing_from_the_data_becomes_markup_on_any_page():
    views = FakeViews()
    shown = [pages.overview(views), pages.batches(views), pages.batch(views, "b1", feature=EVIL), pages.models(views),
             pages.data(views), pages.runs(views), pages.report(views)]
    for html in shown:
        assert "<script" not in html and "&lt;script&gt;" in html


def test_the_timeline_has_a_point_per_evaluation_with_its_decision_and_markers():
    views = FakeViews()
    html = pages.overview(views)
    assert len(re.findall(r'<a href="[^"]*" class="point"', html)) == 2
    assert 'class="realized"' in html and 'class="estimated"' in html   # b2 has no labels: its estimate shows
    assert "b1 (version 1): accuracy 0.900; drift: &lt;script&gt;" in html   # hovering says the decision
    assert html.count('class="marker"') == 3   # b1 retrained and pushed; the rollback marks b2, after it


def test_a_batch_page_lists_drifted_features_first_and_charts_the_one_clicked():
    html = pages.batch(FakeViews(), "b1", feature="x")
    assert html.index("&lt;script&gt;alert(1)&lt;/script&gt;</a>") < html.index(">steady</a>")
    assert 'class="chart distribution"' in html and "90%" in html


def test_the_report_links_by_anchors_and_the_app_by_paths():
    assert pages.ReportLinks().batch("b 1", "f") == "#batch-b%201-feature-f"
    assert pages.Links().batch("b 1", "f") == "/batches/b%201?feature=f"
    assert 'id="batch-b1"' in pages.report(FakeViews())
    assert '<a href="/runs#run-20261206-1-ab">run</a>' in pages.models(FakeViews())   # the run that made it
    assert 'id="run-20261206-1-ab"' in pages.runs(FakeViews())


def test_charts_with_nothing_to_show_say_so():
    assert "No batch evaluated yet" in charts.timeline([], "accuracy", False, str)
