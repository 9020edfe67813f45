"""Starting the batch-evaluation pipeline for one batch: locally, or on Kubeflow / Vertex AI.

Every start first claims the batch (a claim in the workspace (`batches/<batch>-<key>/adapt-claim.json`)), so a second tick or a
second trigger does not start it again while the run is going; the run's own
state marker supersedes the claim when it finishes. A local run that fails
leaves a `failed` claim naming the error: the batch is skipped (never deleted)
until someone fixes it and removes the claim.

Local runs are child processes in their own session: Ctrl-C on the watcher
does not reach them, so a batch is never left half-processed.

Run as a module it evaluates one batch locally (the cloud function's local
mode starts it detached): python -m pipeline.triggers.launch BATCH --workdir W
"""
import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from core.config import Config
from core.data.batch import Batch
from core.errors import error_from_stderr


@dataclass
class Started:
    batch: str
    mode: str
    run: str
    ok: bool = True
    message: str = ""
    seconds: float = 0.0
    outcome: Dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        return {"batch": self.batch, "mode": self.mode, "run": self.run, "ok": self.ok,
                "message": self.message, "seconds": self.seconds}


def taken(batch: Batch, held: Dict[str, Any], mode: str = "local") -> Started:
    """Another run holds the batch: nothing started, and that is no failure."""
    return Started(batch.batch_id, mode, "", message=f"taken: run {held.get('run')} started by "
                                                     f"{held.get('started_by')} ({held.get('status')})")


def new_run(prefix: str) -> str:
    return f"{prefix}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def evaluate_locally(workdir: str, batch: Batch, started_by: str, trigger: bool = True,
                     run: Optional[str] = None) -> Started:
    """Claims the batch, runs `adapt evaluate-batch` on it in a child process and waits for it."""
    run = run or new_run("local")
    held = batch.take(started_by, run)
    if held is not None:
        return taken(batch, held)
    command = [sys.executable, "-m", "pipeline.cli", "evaluate-batch", batch.uri, "--workdir", str(workdir), "--json",
               "--claimed-run", run]
    if not trigger:
        command.append("--no-trigger")
    began = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, start_new_session=True)
    seconds = round(time.perf_counter() - began, 1)
    if result.returncode != 0:
        error = error_from_stderr(result.stderr)
        batch.claim(started_by, run=run, status="failed", error=error)
        return Started(batch.batch_id, "local", run, ok=False, message=error, seconds=seconds)
    outcome = json.loads(result.stdout)
    decision = "retrain" if outcome.get("retrain") else "keep"
    message = f"{decision}: {outcome.get('reason')}"
    if outcome.get("triggered"):
        message += f"; training: {outcome.get('training_outcome')}"
    return Started(batch.batch_id, "local", "", message=message, seconds=seconds, outcome=outcome)


def start_detached(workdir: str, batch: Batch, started_by: str) -> Started:
    """Claims the batch and starts its evaluation in the background; returns at once (the cloud function)."""
    run = new_run("detached")
    held = batch.take(started_by, run)
    if held is not None:
        return taken(batch, held)
    command = [sys.executable, "-m", "pipeline.triggers.launch", batch.uri, "--workdir", str(workdir),
               "--started-by", started_by, "--run", run]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    batch.claim(started_by, run=run, pid=process.pid)  # the claim lives as long as the child, not this caller
    return Started(batch.batch_id, "local", run, message="started in the background")


def start_remotely(config: Config, batch: Batch, pipeline_spec: str, started_by: str,
                   mode: Optional[str] = None) -> Started:
    """Submits the compiled batch-evaluation pipeline with the batch as its runtime parameter."""
    from pipeline.kubeflow import submit  # kfp / aiplatform only where they are used
    mode = mode or config.retraining.trigger_mode
    submitting = new_run("submitting")
    held = batch.take(started_by, submitting)
    if held is not None:
        return taken(batch, held, mode)
    try:
        run = submit.start_batch_evaluation_run(mode, config, pipeline_spec, batch.uri)
    except BaseException:
        batch.release(submitting)
        raise
    batch.claim(started_by, run=run)
    return Started(batch.batch_id, mode, run, message=f"submitted to {mode}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Evaluate one batch locally and record failures on the batch.")
    parser.add_argument("batch")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--started-by", default="launch")
    parser.add_argument("--run", help="the run that claimed the batch already")
    args = parser.parse_args(argv)
    from core.workspace import Workspace
    workspace = Workspace.existing(args.workdir)
    config = workspace.load_config()
    batch = workspace.batch(args.batch, labels_file=config.data.labels_file)
    started = evaluate_locally(args.workdir, batch, args.started_by, run=args.run)
    print(json.dumps(started.to_dict()))
    return 0 if started.ok else 1


if __name__ == "__main__":
    sys.exit(main())
