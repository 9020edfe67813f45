"""The pages from fixed rows: what they show, and that nothing from the data is ever markup."""
import re
from types import SimpleNamespace

from pipeline.ui import charts, pages
from pipeline.ui.quality import SCHEMA_RANGE, TRAINING_RANGE, DataQuality, OutOfRange

EVIL = "<script>alert(1)</script>"


def _evaluation(batch, value, **more):
    row = {"run_id": f"run-{batch}", "batch": batch, "evaluated_at": 1_700_000_000.0,
           "serving_version": 1, "labeled": value is not None, "metric": "accuracy", "value": value,
           "metrics": {"accuracy": value} if value is not None else {}, "estimate": {}, "estimated": 0.8,
           "estimated_low": 0.75, "estimated_high": 0.85, "performance_reason": "accuracy fine",
           "drifted": True, "drifted_features": [EVIL], "drift_reason": f"{EVIL} drifted",
           "drift_features": [{"feature": EVIL, "kind": "categorical", "method": "chi2", "value": 41.0,
                               "threshold": 0.05, "p_value": 0.0001, "adjusted_p_value": 0.0003,
                               "distances": {"psi": 0.31}, "baseline_rows": 900, "batch_rows": 300,
                               "importance": 0.5, "decides": True, "drifted": True},
                              {"feature": "steady", "kind": "numeric", "method": "ks_t", "value": 0.02,
                               "threshold": 0.05, "p_value": 0.042, "adjusted_p_value": 0.084,
                               "distances": {"psi": 0.01}, "baseline_rows": 900, "batch_rows": 300,
                               "importance": 0.1, "decides": True, "drifted": False},
                              {"feature": "stamp", "kind": "numeric", "method": "ks_t", "value": 1.0,
                               "threshold": 0.05, "p_value": 1e-9, "adjusted_p_value": 2e-9,
                               "distances": {"psi": 8.2}, "baseline_rows": 900, "batch_rows": 300,
                               "importance": 0.0, "decides": False, "drifted": True}],
           "baseline_spans": [1], "drift_statistics": "", "prediction_drift": {}, "retrain": True,
           "reason": f"drift: {EVIL}", "span": 2, "triggered": True, "training_outcome": "pushed as version 2",
           "pushed_version": 2, "declined": False, "rows": 300, "reported_drift": ["stamp"],
           "performance_rule": {"rule": "relative_drop", "reference": 0.9, "max_drop": 0.05, "threshold": 0.0},
           "quality": DataQuality(rows=300, missing_share={"steady": 0.25}, missing_columns=["gone"])}
    row.update(more)
    return row


class FakeViews:
    config = SimpleNamespace(model=SimpleNamespace(name=EVIL))

    def __init__(self):
        self.rows = [_evaluation("b1", 0.9), _evaluation("b2", None, triggered=False, pushed_version=None,
                                                         training_outcome="", evaluated_at=1_700_000_200.0)]
        self.replay_rows = {}
        self.comparisons = {}   # (newer id, older id) -> Comparison, as reports/comparisons/ holds them
        self.rescored = []

    def comparison(self, newer, older, rescore):
        self.rescored.append((newer["model_id"], older["model_id"], rescore))
        return self.comparisons.get((newer["model_id"], older["model_id"]))

    def span_batches(self):
        return {1: "b0", 2: "b1"}

    def importances(self, version):
        return {EVIL: 0.7, "steady": 0.3}

    def new_categories(self, row):
        return {EVIL: ["never seen"]}

    def out_of_range(self, row):
        return {"steady": OutOfRange(0.031, 0.0, 9.5, TRAINING_RANGE, 0.005),
                "fine": OutOfRange(0.0, 0, 1, SCHEMA_RANGE),
                "stamp": OutOfRange(1.0, 1.0, 2.0, TRAINING_RANGE)}   # stamp: not used by the model

    def replays(self):
        return self.replay_rows

    def batch_evaluations(self):
        return self.rows

    def history(self):
        return [{"time": 1_699_999_000.0, "event": "retraining", "trigger": "init", "spans": "1-1",
                 "production_version": 1, "outcome": "pushed as version 1", "reason": "", "updated": True},
                {"time": 1_700_000_050.0, "event": "retraining", "trigger": "batch-evaluation", "spans": "1-2",
                 "production_version": 2, "outcome": "pushed as version 2", "reason": "", "updated": True},
                {"time": 1_700_000_060.0, "event": "alert", "trigger": "drift", "spans": "", "production_version": None,
                 "outcome": "sent", "reason": "batch b2 under version 2: drift", "updated": False},
                {"time": 1_700_000_100.0, "event": "rollback", "trigger": "manual", "spans": "", "production_version": 1,
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
                 "components": [{"node": EVIL, "state": "failed", "seconds": 1.0}], "log": EVIL, "batch": EVIL,
                 "spans": "1-2"}]

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
    # hovering says the batch, its size, the metric, the estimate and the decision
    assert ("<title>b1, 300 rows (version 1): accuracy 0.900; estimated 0.800 (0.750-0.850); retrain: drift: "
            "&lt;script&gt;") in html
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


def test_the_drift_table_shows_the_adjusted_p_value_that_decided_and_keeps_apart_what_the_model_does_not_use():
    html = pages.batch(FakeViews(), "b1")
    deciding, moved = html.split("Moved but not used by the model")
    assert "p adjusted (decides)" in deciding and "effect size (PSI)" in deciding
    assert "<b>0.084</b></td><td class=\"n\">0.042</td>" in deciding   # steady: adjusted 0.084 decided, raw 0.042
    assert ">steady</a>" in deciding and '<span class="ok">no</span>' in deciding
    assert ">stamp</a>" in moved and '<span class="warn">moved</span>' in moved and "drifted" not in moved
    assert "<b>2e-09</b>" in moved and "8.2" in moved   # a tiny p-value and its PSI, readable
    assert "What version 1 relies on (feature importances)" in html


def test_a_realized_figure_outside_its_estimates_band_is_flagged_on_the_batch_and_the_list():
    views = FakeViews()
    assert "realized 0.900 outside its estimate&#x27;s band 0.750-0.850" in pages.batch(views, "b1")
    listed = pages.batches(views)
    assert '<span class="warn" title="realized 0.900 outside' in listed and (
        '<span class="nw">0.800</span> <span class="nw">(0.750-0.850)</span>' in listed)   # wraps at its space only


def test_the_batches_list_shows_sizes_data_quality_and_a_declined_retrain_not_in_alarm_red():
    views = FakeViews()
    views.rows[0].update(declined=True, pushed_version=None, training_outcome="declined: worse")
    listed = pages.batches(views)
    assert '<span class="muted">retrain → declined</span>' in listed and 'class="yes"' not in listed
    assert "300 rows; steady 25% missing" in listed and "1 column(s) missing" in listed
    batch = pages.batch(views, "b1")
    assert "Data quality" in batch and "steady 25.0%" in batch and "never seen" in batch and ">gone<" in batch
    assert "steady 3.1% out of range" in listed and "stamp" not in listed.split("steady 3.1% out of range")[1][:80]
    assert ("steady 3.1% ±0.5% (allowed 0 to 9.5, training statistics); stamp 100.0% (allowed 1 to 2, training "
            "statistics; not used by the model)") in batch


def test_the_overview_counts_pushes_as_the_report_does_and_draws_the_holdout_score_and_the_rules_threshold():
    html = pages.overview(FakeViews())
    assert "<span>pushes after the first model</span><b>1</b>" in html
    assert 'class="reference"' in html and "the serving model&#x27;s score on its holdout: 0.900" in html
    assert "the rule fires past: 0.855" in html
    assert '<a href="/batches/b1">b1</a>' in html   # the event trained on spans 1-2: span 2 came from batch b1
    assert '<td class="nw">alert</td><td class="nw"><a href="/batches/b2">b2</a>' in html   # the alert names it
    ticks = [float(t) for t in re.findall(r'class="tick" text-anchor="end">([0-9.]+)</text>', html)]
    assert len(ticks) >= 3 and all(round(t * 100, 6) == round(t * 100) for t in ticks)   # round numbers
    assert '<text class="size"' in html and ">300</text>" in html   # the batch's rows under its point


def test_round_ticks():
    assert charts.nice_ticks(0.764, 0.99) == [0.8, 0.85, 0.9, 0.95]
    assert charts.nice_ticks(0, 1) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]


def _model(version, model_id, baseline, holdout, accuracy, baseline_accuracy=None, stage="archived", trained_at=None):
    return {"version": version, "stage": stage, "spans": "1-2", "holdout": holdout, "metrics": {"accuracy": accuracy},
            "baseline_metrics": {"accuracy": baseline_accuracy} if baseline_accuracy else {},
            "baseline_version": baseline, "infra_blessed": True, "pushed_at": None, "decision": "d", "reason": "r",
            "model_id": model_id, "run_id": "", "trained_at": trained_at}


def test_models_compared_on_the_newer_ones_holdout_or_not_ranked_and_a_declined_candidate_opens():
    from pipeline.ui.comparisons import Comparison
    views = FakeViews()
    rows = [_model(1, 3, None, {"spans": "1-1", "rows": 100}, 0.95, trained_at=1.0),
            _model(2, 5, 1, {"spans": "2-2", "rows": 120}, 0.89, 0.87, trained_at=2.0),
            _model(None, 7, 2, {"spans": "3-3", "rows": 90}, 0.80, 0.82, stage="declined", trained_at=3.0),
            _model(3, 9, 2, {"spans": "4-4", "rows": 110}, 0.86, 0.84, stage="production", trained_at=4.0)]
    views.models = lambda: rows
    html = pages.models(views, compare=["1", "3"])   # not scored on one holdout (yet): shown apart, not ranked
    assert "v1 and v3: not comparable" in html and "measured on different rows" in html
    assert "on the same rows" not in html and "not scored on v3&#x27;s holdout yet" in html
    assert views.rescored == [(9, 3, False)]   # the newer one's holdout; the report never scores
    views.comparisons[(9, 3)] = Comparison("v3", "v1", {"spans": "4-4", "rows": 110},
                                           {"v3": {"accuracy": 0.86, "examples": 108},
                                            "v1": {"accuracy": 0.91, "examples": 108}}, rows=108)
    rescored = pages.models(views, compare=["v1", "3"], rescore=True)
    assert "v3 and v1 on the same rows: v3's holdout, 110 rows, spans 4-4" in rescored
    assert "on the 108 labeled rows of v3" in rescored and "0.910" in rescored and "not comparable" not in rescored
    views.comparisons[(9, 3)] = Comparison("v3", "v1", {"spans": "4-4", "rows": 110},
                                           problem="the holdout files of v3 are gone")
    gone = pages.models(views, compare=["1", "3"], rescore=True)
    assert "v1 and v3: not comparable" in gone and "the holdout files of v3 are gone" in gone
    same = pages.models(views, compare=["3", "v2"])
    assert "v3 and v2 on the same rows: 110 rows, spans 4-4" in same
    assert '<details id="model-candidate-7"><summary>candidate 7</summary>' in html
    assert '<a href="#model-candidate-7">candidate 7</a>' in html and "0.820" in html   # the serving model then
    assert pages.models(views, compare=["candidate 7", "v2"]).count("on the same rows") == 1
    assert "Pick two different models" in pages.models(views, compare=["2", "v2"])


def test_runs_name_their_batch_and_the_window_they_trained_on():
    html = pages.runs(FakeViews())
    assert '<a href="/batches/%3Cscript%3Ealert%281%29%3C%2Fscript%3E">' in html and "spans 1-2" in html


def test_metrics_for_prometheus_per_batch_evaluation_and_the_models_counters():
    from prometheus_client.parser import text_string_to_metric_families

    from pipeline.ui import monitoring
    views = FakeViews()
    views.rows[1].update(declined=True)
    found = {family.name: family.samples for family in text_string_to_metric_families(monitoring.exposition(views))}
    def value(name, batch):
        return next(s.value for s in found[name] if s.labels["batch"] == batch)
    assert value("adapt_batch_metric", "b1") == 0.9 and not [s for s in found["adapt_batch_metric"]
                                                              if s.labels["batch"] == "b2"]   # b2 has no labels
    assert value("adapt_batch_estimated_metric", "b2") == 0.8
    assert (value("adapt_batch_estimate_band_low", "b1"), value("adapt_batch_estimate_band_high", "b1")) == (0.75, 0.85)
    assert value("adapt_batch_outside_band", "b1") == 1 and value("adapt_batch_drifted", "b1") == 1
    assert value("adapt_batch_deciding_features_drifted", "b1") == 1 and value("adapt_batch_rows", "b1") == 300
    sample = found["adapt_batch_metric"][0]
    assert sample.labels == {"model": EVIL, "batch": "b1", "evaluation": "run-b1", "serving_version": "1",
                             "metric": "accuracy"}
    counters = {name: found[name][0].value for name in ("adapt_retrains", "adapt_pushes", "adapt_declines",
                                                        "adapt_rollbacks")}
    assert counters == {"adapt_retrains": 1, "adapt_pushes": 1, "adapt_declines": 1, "adapt_rollbacks": 1}


# -- issue 48: priced decisions; issue 49: labels on a budget; issue 50: hyperparameters (each shown only when there)
PRICED = {"expected_gain": 1234.5, "retrain_cost": 20.5, "verdict": "pays"}


def test_a_priced_decision_shows_its_gain_cost_and_verdict_and_without_economics_nothing_new_shows():
    views = FakeViews()
    plain = [pages.batches(views), pages.batch(views, "b1"), pages.overview(views)]
    assert not any("expected gain" in html or "verdict" in html for html in plain)
    views.rows[0].update(PRICED)
    listed = pages.batches(views)
    assert '<th class="n">expected gain</th><th class="n">cost</th><th>verdict</th>' in listed
    assert '<td class="n">1,234.50</td><td class="n">20.50</td><td>pays</td>' in listed
    newest, oldest = listed.split('<a href="/batches/b1">')   # b2 is listed first, and was not priced
    assert '<td class="n">-</td><td class="n">-</td><td>-</td>' in newest and "1,234.50" in oldest
    assert "price of the retrain</th><td>expected gain 1,234.50, cost 20.50: pays" in pages.batch(views, "b1")
    assert "retrain (expected gain 1,234.50, cost 20.50: pays): drift:" in pages.overview(views)   # the hover
    history = views.history() + [{"time": 1_700_000_300.0, "event": "retraining", "trigger": "batch-evaluation",
                                   "spans": "1-2", "production_version": 2, "outcome": "pushed as version 2",
                                   "reason": "", "updated": True, **PRICED}]
    views.history = lambda: history
    events = pages.overview(views).split("Latest events")[1]
    assert "<th class=\"n\">expected gain</th>" in events and "1,234.50</td>" in events


def _partly_labeled(row):
    """b2 labeled on 60 of its 300 rows: the estimate from them, and its fall split by cause."""
    part = {"value": 0.03, "standard_error": 0.01}
    row.update(value=0.79, metrics={"accuracy": 0.79}, labeled=True, estimated=0.88, estimated_low=0.85,
               estimated_high=0.91, partial_accuracy=0.79, partial_accuracy_low=0.657, partial_accuracy_high=0.922,
               labeled_rows=60, partial={"metric": "accuracy", "value": 0.79, "standard_error": 0.068, "low": 0.657,
                                         "high": 0.922, "labeled_rows": 60, "rows": 300, "weighted": True},
               drop_total=0.11, drop_explained={"metric": "accuracy", "reference": 0.9, "estimated": 0.87,
                                                "realized": 0.79, "total": {"value": 0.11, "standard_error": 0.05},
                                                "input_shift": part, "class_shares": {"value": 0.0, "standard_error": 0.0},
                                                "concept": {"value": 0.08, "standard_error": 0.04}})


def test_a_partly_labeled_batch_is_said_from_how_many_rows_and_never_drawn_or_flagged_as_realized():
    views = FakeViews()
    plain = [pages.batches(views), pages.batch(views, "b2"), pages.overview(views)]
    assert not any("partial" in html or "the drop" in html for html in plain)
    _partly_labeled(views.rows[1])
    listed = pages.batches(views)
    assert ('<span class="nw">0.790 (band 0.657-0.922)</span><br>from 60 of 300 rows <span class="muted">partial'
            '</span>') in listed
    assert "0.790 (band" not in listed.split("b1</a>")[1]   # b1 is labeled on all rows: its figure alone
    batch = pages.batch(views, "b2")
    assert ("from labels on some rows</th><td>accuracy 0.790 (band 0.657-0.922) from 60 of 300 rows, weighted by how "
            "each row was chosen") in batch
    assert ("the drop</th><td>drop 0.110 of accuracy (0.900 -&gt; 0.790): input shift +0.030 ±0.010 (27%), class "
            "shares +0.000 ±0.000 (0%), concept drift +0.080 ±0.040 (73%)") in batch
    assert "outside its estimate" not in batch   # 0.790 is below the band 0.850-0.910, but nothing is realized yet
    overview = pages.overview(views)
    assert overview.count('class="realized"') == 1 and overview.count('class="partial"') == 1   # b1 realized only
    assert "from some labeled rows (band)" in overview
    assert "<title>b2, 300 rows (version 1): accuracy 0.790 (band 0.657-0.922) from 60 of 300 rows (partial)" in overview


def test_metrics_give_a_partly_labeled_batchs_labeled_rows_and_its_estimate_not_a_realized_metric():
    from prometheus_client.parser import text_string_to_metric_families

    from pipeline.ui import monitoring
    def samples(views):
        return {f.name: {s.labels.get("batch"): s.value for s in f.samples}
                for f in text_string_to_metric_families(monitoring.exposition(views))}
    views = FakeViews()
    assert not samples(views)["adapt_batch_labeled_rows"]   # nothing partial: no series
    _partly_labeled(views.rows[1])
    found = samples(views)
    assert found["adapt_batch_labeled_rows"] == {"b2": 60} and found["adapt_batch_partial_metric"] == {"b2": 0.79}
    assert found["adapt_batch_metric"] == {"b1": 0.9} and "b2" not in found["adapt_batch_outside_band"]


def _tuned(version, model_id, baseline, chosen, stage="archived"):
    return {**_model(version, model_id, baseline, {"spans": "1-1", "rows": 100}, 0.9, 0.88, stage=stage,
                     trained_at=float(model_id)), "hyperparameters": chosen}


def test_models_say_whether_each_searched_its_hyperparameters_reused_whose_or_kept_the_defaults():
    views = FakeViews()
    assert "hyperparameters" not in pages.models(views)   # no model records any: no column
    values = {"max_depth": 4, "shrinkage": 0.1}
    searched = {"values": values, "searched": True, "trials": 12, "search_seconds": 9.8, "validation_rows": 300,
                "validation_loss": 0.41, "default_loss": 0.45}
    reused = {**searched, "searched": False, "search_seconds": 0.0}
    rows = [_tuned(1, 3, None, searched), _tuned(2, 5, 1, {**reused, "retrains_since_search": 1}),
            _tuned(3, 9, 2, {**reused, "retrains_since_search": 2}, stage="production"),
            _tuned(None, 11, 3, {**reused, "values": {"max_depth": 6}, "retrains_since_search": 3}, stage="declined"),
            _tuned(None, 13, 3, {}, stage="declined")]
    views.models = lambda: rows
    html = pages.models(views)
    listed, opened = html.split("Each model, opened")
    cells = re.findall(r"<td>([^<]*)<br><span class=\"muted\">([^<]*)</span></td>", listed)
    assert cells == [("searched this retrain", "max_depth 4, shrinkage 0.1"), ("reused from v1", "max_depth 4, "
                     "shrinkage 0.1"), ("reused from v1", "max_depth 4, shrinkage 0.1"),
                     # values no serving model had searched: its own record says how far back its search was
                     ("reused from the search 3 retrain(s) before", "max_depth 6")]
    assert "<td>defaults</td>" in listed and "<th>hyperparameters</th>" in listed
    assert ("hyperparameters</th><td>max_depth 4, shrinkage 0.1; searched now: 12 trials in 9.8 s, validation loss "
            "0.41 on the newest 300 training rows (defaults 0.45)") in opened
    assert "hyperparameters</th><td>max_depth 4, shrinkage 0.1; reused from v1</td>" in opened


def test_numeric_headers_align_with_their_values():
    views = FakeViews()
    views.models = lambda: [_model(1, 3, None, {"spans": "1-1", "rows": 100}, 0.95, trained_at=1.0),
                            _model(2, 5, 1, {"spans": "2-2", "rows": 120}, 0.89, 0.87, trained_at=2.0)]
    same = pages.models(views).split("on the same rows")[1]
    assert '<th>metric</th><th class="n">v2</th><th class="n">v1</th>' in same
    assert '<td class="n">0.890</td><td class="n">0.870</td>' in same
