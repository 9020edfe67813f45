"""The Policies page from fixed replay rows (the fake views of pages_test): the policies side by side, and what a
row carries beyond its metric (a label budget's estimate, the drop split, a decision's price) only when it does.
Cheap: no workspace, about 0.1 s."""
import re

from pipeline.presentation import drop_fields, partial_fields, price_fields
from pipeline.ui import pages
from pipeline.ui.pages_test import PRICED, FakeViews
from pipeline.ui.views import replay_name


def _row(batch, accuracy, retrained=False, pushed=None, **more):
    """A replay report's row as pipeline/replay/replay.py writes it: nothing priced, partial or split unless told."""
    return {"batch": batch, "serving_version": 1, "accuracy": accuracy, "retrained": retrained,
            "pushed_version": pushed, "train_seconds": 2.0, "evaluate_seconds": 1.0, **price_fields(None),
            **partial_fields({}, "accuracy"), **drop_fields({}), **more}


def test_policies_side_by_side_with_the_never_retrained_line():
    views = FakeViews()
    assert "No replay report" in pages.policies(views)
    views.replay_rows = {"triggered": [_row("b1", 0.9), _row("b2", 0.88, True, 2)],
                         "static": [_row("b1", 0.9), _row("b2", 0.80)]}
    html = pages.policies(views)
    assert html.index("<td>static</td>") < html.index("<td>triggered</td>") and "static (never retrained)" in html
    assert "0.880 ↻ → v2</td>" in html and html.count('<polyline') == 2
    assert "<td>static</td><td class=\"n\">2</td><td class=\"n\">0.850</td>" in html
    views.replay_rows = {"triggered (demo)": views.replay_rows["triggered"], "static (demo)": views.replay_rows["static"]}
    demo = pages.policies(views)   # adapt demo's reports: demo-<policy>.json
    assert "static (demo) (never retrained)" in demo and "No `static` replay" not in demo


def test_a_late_labels_replay_is_named_by_its_policy_first_so_its_static_line_is_drawn():
    assert [replay_name(kind, stem) for kind, stem in [("replay", "static"), ("demo", "triggered"),
                                                      ("replay", "labels-after-1-budget-60-static"),
                                                      ("replay", "labels-after-2-periodic")]] == [
        "static", "triggered (demo)", "static (labels after 1, budget 60)", "periodic (labels after 2)"]
    views = FakeViews()
    views.replay_rows = {replay_name("replay", "labels-after-1-static"): [_row("b1", 0.9)],
                         replay_name("replay", "labels-after-1-triggered"): [_row("b1", 0.9)]}
    html = pages.policies(views)
    assert "static (labels after 1) (never retrained)" in html and "No `static` replay" not in html


def _text(html):
    return re.sub(r"<[^>]+>", "", html)


def test_a_replays_price_its_estimate_from_some_labeled_rows_and_its_drop_split_show_only_when_it_has_them():
    views = FakeViews()
    labels = _row("labels of b1", None, labels_of="b1")   # labels came late, nothing more said: no row of its own
    views.replay_rows = {"triggered": [_row("b1", 0.9), labels, _row("b2", 0.88, True, 2)],
                         "static": [_row("b1", 0.9), _row("b2", 0.80)]}
    plain = pages.policies(views)
    bare = {policy: [{k: v for k, v in r.items() if v is not None or k == "accuracy"} for r in rows]
            for policy, rows in views.replay_rows.items()}   # rows from before prices, budgets and drop splits
    views.replay_rows = bare
    assert pages.policies(views) == plain
    assert not any(word in plain for word in ("expected gain", "partial", "drop:", "labels of", "band"))
    split = {"metric": "accuracy", "total": {"value": 0.11, "standard_error": 0.05},
             "input_shift": {"value": 0.03, "standard_error": 0.01}, "class_shares": {"value": 0.0},
             "concept": {"value": 0.08, "standard_error": 0.04}}
    budget = {"metric": "accuracy", "value": 0.79, "low": 0.657, "high": 0.922, "labeled_rows": 60, "rows": 300}
    views.replay_rows = {
        "triggered": [_row("b1", 0.9), _row("b2", 0.88, True, 2, **PRICED, **partial_fields(budget, "accuracy"),
                                            **drop_fields(split)),
                      _row("b3", 0.91), _row("labels of b2", None, True, **PRICED, labels_of="b2")],
        "static": [_row("b1", 0.9), _row("b2", 0.80), _row("b3", 0.85)]}
    html = pages.policies(views)
    table = html.split("accuracy per batch")[1]
    lines = re.findall(r"<tr>(.*?)</tr>", table)
    assert [_text(line.split("</td>")[0]) for line in lines[1:]] == ["b1", "b2", "labels of b2", "b3"]
    triggered = lines[2].split("</td>")[2]   # b2 under triggered (static's column comes first): its metric, then what the report says more
    assert ('0.880 ↻ → v2<br><span class="partial" title="an estimate from the labeled rows only (weighted by how '
            'each was chosen), not the realized figure"><span class="nw">0.790 (band 0.657-0.922)</span><br>from 60 of '
            '300 rows <span class="muted">partial</span></span><br>') in triggered
    assert ("drop: inputs / class shares / concept 0.110: +0.030 / +0.000 / +0.080 ±0.040"
            "expected gain 1,234.50, cost 20.50: pays") in _text(triggered).replace("partial", "")
    assert _text(lines[2].split("</td>")[1]) == "0.800"   # static on b2: nothing more
    assert _text(lines[3]) == "labels of b2-- ↻expected gain 1,234.50, cost 20.50: pays"   # static has none
    assert "partial: an estimate from the labeled rows only" in html.split("</table>")[-1]
