"""The models page's scoring on one holdout, from the dashboard's side: a child that fails is said and cached."""
import subprocess
from types import SimpleNamespace

from pipeline.ui import comparisons


def test_a_failed_scoring_is_said_and_cached_so_no_page_load_scores_again(tmp_path, monkeypatch):
    workspace = SimpleNamespace(root=tmp_path, reports=tmp_path / "reports")
    newer = {"model_id": 12, "version": 3, "holdout": {"spans": "4-5", "rows": 300}}
    older = {"model_id": 7, "version": None}
    calls = []

    def child(command, **kwargs):
        calls.append(command)
        return subprocess.CompletedProcess(command, 1, "", "Traceback (most recent call last):\nValueError: broken")

    monkeypatch.setattr(comparisons.subprocess, "run", child)
    assert comparisons.on_newer_holdout(workspace, newer, older, rescore=False) is None   # the report never scores
    found = comparisons.on_newer_holdout(workspace, newer, older)
    assert (found.newer, found.older, found.holdout) == ("v3", "candidate 7", newer["holdout"])
    assert not found.ranked and found.problem == "scoring failed: ValueError: broken"
    assert calls[0][-2:] == ["12", "7"] and calls[0][1:3] == ["-m", "pipeline.ui.comparisons"]
    assert comparisons.on_newer_holdout(workspace, newer, older) == found and len(calls) == 1   # cached
