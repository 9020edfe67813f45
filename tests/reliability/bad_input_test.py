"""The bad-input corpus (tests/corpus/): every broken batch gets its documented outcome, and loses nothing.

Outcomes: `error` — `adapt evaluate-batch` exits 1 with one line naming the file and the problem, and writes
no span (a batch the data contract refuses is refused before anything scores it); `quarantined` — the batch becomes a span that validation rejects (`_REJECTED.json` says why) and
the training it asked for fails, in one line; `accepted` — the batch is read correctly. For every case:
spans that existed are byte-identical, the serving version is unchanged, the batch's own files untouched.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core import versions
from core.data import spans
from core.workspace import Workspace
from tests.corpus.make_corpus import CASES, write_large_case
from tests.helpers import adapt_cli
from tests.streams import rotating_hyperplane_batches

pytestmark = pytest.mark.e2e

# case: (outcome, words the one line (or _REJECTED.json) holds)
EXPECTED = {
    "ragged-row": ("error", "data.csv line 9 has 8 fields, the header has 10"),
    "empty-file": ("error", "data.csv is empty (no header row)"),
    "header-only": ("error", "no instances in data.csv"),
    "not-utf8": ("error", "data.csv is not readable CSV"),
    "ten-megabyte-field": ("error", "data.csv is not readable CSV (field larger than field limit"),
    "text-in-a-numeric-column": ("error", "data.csv line 2: column 'x1' expects float, got 'about a half'"),
    "nan-and-inf": ("error", "data.csv line 6: column 'x1' expects a finite number, got 'inf'"),
    "corrupt-tfrecord": ("error", "data.tfrecord.gz"),
    "labels-ids-do-not-match": ("error", "labels.csv names unknown instance 'data.csv:999'"),
    "labels-count-does-not-match": ("error", "labels.csv has 2 labels for 60 instances"),
    "symlink-outside": ("error", "is a symlink"),
    "missing-column": ("error", "data.csv has no column 'x2', which schema v1 requires; nothing was scored"),
    "extra-column": ("quarantined", "surprise"),
    "unknown-label-class": ("quarantined", "churned"),
    "utf8-bom": ("accepted", ""),
    "columns-reordered": ("accepted", ""),
}


def digest(folder: Path) -> dict:
    """{relative path: sha256} of every file under a folder, hidden ones included (adapt writes none there)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad-input")
    stream = rotating_hyperplane_batches(root / "stream", batches=1, rows=200)
    workdir = root / "ws"
    adapt_cli("init", "--data", stream[0], "--label", "churned", "--name", "churn", "--workdir", workdir)
    workspace = Workspace.open(str(workdir))
    workspace.write_config(workspace.load_config().with_overrides({
        "training.eval_steps": 5, "validation.infra_requests": 5, "validation.min_accuracy": 0.5,
        "validation.min_holdout_rows": 20, "performance.threshold": 1.0, "data.min_batch_instances": 1}))
    assert json.loads(adapt_cli("train", "--workdir", workdir, "--json"))["pushed"]
    return workspace


def _case_folder(case: str, tmp_path: Path) -> Path:
    if case == "ten-megabyte-field":
        return write_large_case(tmp_path)
    if case == "symlink-outside":
        target = shutil.copytree(CASES / "columns-reordered", tmp_path / "elsewhere" / "real-batch")
        link = tmp_path / "linked"
        link.mkdir()
        os.symlink(target, link / "symlink-outside")
        return link / "symlink-outside"
    return shutil.copytree(CASES / case, tmp_path / case)  # markers are written here, never into the repository


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_a_bad_batch_gets_its_outcome_and_loses_nothing(workspace, case, tmp_path, record_property):
    outcome, words = EXPECTED[case]
    folder = _case_folder(case, tmp_path)
    base = workspace.serving_model_dir(workspace.load_config())
    serving, spans_before = versions.production_version(base), digest(workspace.data)
    batch_before = digest(folder.resolve())
    present = spans.list_spans(workspace.data)

    evaluate_only = ["--no-trigger"] if outcome == "accepted" else []  # a good batch's training may push
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "evaluate-batch", str(folder), "--workdir",
                             str(workspace.root), "--json", *evaluate_only], capture_output=True, text=True,
                            timeout=900)
    errors = [line for line in result.stderr.splitlines() if line.startswith("adapt: error:")]
    assert "Traceback" not in result.stderr
    new_spans = [s for s in spans.list_spans(workspace.data) if s not in present]
    if outcome == "error":
        assert result.returncode == 1 and len(errors) == 1 and words in errors[0], result.stderr[-1500:]
        assert new_spans == []
    elif outcome == "quarantined":
        assert result.returncode == 1 and len(errors) == 1 and "training failed" in errors[0], result.stderr[-1500:]
        assert len(new_spans) == 1 and new_spans[0] in spans.rejected_spans(workspace.data)
        rejected = json.loads((spans.span_dir(workspace.data, new_spans[0]) / spans.REJECTED_FILE).read_text())
        assert words in rejected["reason"]
        last_event = json.loads(adapt_cli("history", "--workdir", workspace.root, "--json"))[-1]
        assert last_event["outcome"].startswith(f"stopped: span {new_spans[0]} ") and not last_event["updated"]
        record_property("quarantined because", rejected["reason"].splitlines()[0][:160])
    else:
        assert result.returncode in (0, 1), result.stderr[-1500:]  # accepted: read and evaluated as any batch
        assert json.loads(result.stdout)["labeled"] and json.loads(result.stdout)["metrics"]["accuracy"] > 0.3
        assert not [s for s in new_spans if s in spans.rejected_spans(workspace.data)]

    assert versions.production_version(base) == serving
    after = digest(workspace.data)
    assert {path: sha for path, sha in after.items() if path in spans_before} == spans_before
    assert digest(folder.resolve()) == batch_before
    record_property("outcome", outcome)
    record_property("exit", result.returncode)
    record_property("said", (errors or [""])[0][len("adapt: error: "):][:160])


def test_a_refused_batch_is_not_recorded_and_once_its_change_is_accepted_it_is_scored_with_the_column_missing(
        workspace, tmp_path):
    """Runs last in this file: it writes schema v2 into the module's workspace."""
    folder = _case_folder("missing-column", tmp_path)
    said = subprocess.run([sys.executable, "-m", "pipeline.cli", "evaluate-batch", str(folder), "--workdir",
                           str(workspace.root)], capture_output=True, text=True, timeout=900)
    errors = [line for line in said.stderr.splitlines() if line.startswith("adapt: error:")]
    assert said.returncode == 1 and len(errors) == 1 and "adapt schema diff missing-column" in errors[0], said.stderr
    assert "[while running" not in said.stderr
    batch = workspace.batch(str(folder))
    assert batch.state() is None and batch.active_claim() is None   # not recorded: it may be evaluated again
    diff = json.loads(adapt_cli("schema", "diff", folder, "--json", "--workdir", workspace.root))
    assert [(c["feature"], c["change"]) for c in diff["changes"]] == [("x2", "missing column")], diff
    adapt_cli("schema", "accept", folder, "--reason", "the x2 sensor was retired", "--workdir", workspace.root)
    outcome = json.loads(adapt_cli("evaluate-batch", folder, "--no-trigger", "--json", "--details",
                                   "--workdir", workspace.root))
    assert outcome["labeled"] and outcome["metrics"]["accuracy"] > 0.3 and outcome["span"] == 0
    assert outcome["reports"]["FileListGen"]["contract"]["missing_optional"] == ["x2"]
    drift = outcome["reports"]["DriftDetector"]
    assert [row["note"] for row in drift["features"] if row["feature"] == "x2"] == ["missing from the batch"]
    assert "missing from the batch: x2" in outcome["drift_reason"]
