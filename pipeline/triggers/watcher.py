"""`adapt watch`: the scheduled trigger.

At each tick it scans incoming/ for ready batches (new_data.scan) and starts
the batch-evaluation pipeline on each, oldest first: locally (waiting for each
run) or, when retraining.trigger_mode is kubeflow or vertex, by submitting the
compiled batch-evaluation pipeline. SIGINT / SIGTERM stop it cleanly: the batch
being evaluated finishes, no new one starts. A tick with nothing to do only
lists folders — no TensorFlow, no pipeline.
"""
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional

from core.config import Config
from core.workspace import Workspace
from pipeline.triggers import launch, new_data
from pipeline.triggers.schedule import Schedule, sleep_until


@dataclass
class TickResult:
    started: List[launch.Started] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False


class Watcher:

    def __init__(self, workspace: Workspace, config: Config, echo: Callable[[str], None] = print,
                 pipeline_spec: Optional[str] = None, max_batches: Optional[int] = None):
        self.workspace = workspace
        self.config = config
        self.echo = echo
        self.pipeline_spec = pipeline_spec
        self.max_batches = max_batches
        self.stop_event = threading.Event()

    def request_stop(self, signum=None, frame=None) -> None:
        if not self.stop_event.is_set():
            name = signal.Signals(signum).name if signum else "stop"
            self.echo(f"{name}: stopping after the current batch (if any)")
        self.stop_event.set()

    def tick(self) -> TickResult:
        began = time.perf_counter()
        scan = new_data.scan(str(self.workspace.incoming), self.config, self.workspace.batch_records)
        result = TickResult(skipped=[f"{b.batch_id}: {why}" for b, why in scan.skipped])
        ready = scan.ready[:self.max_batches] if self.max_batches else scan.ready
        if ready:
            later = len(scan.ready) - len(ready)
            self.echo(f"  {len(scan.ready)} ready batch(es), oldest first: {', '.join(b.batch_id for b, _ in ready)}"
                      + (f"; {later} left for the next tick (--max-batches {self.max_batches})" if later else ""))
        for batch, why in ready:
            if self.stop_event.is_set():
                result.interrupted = True
                break
            self.echo(f"  {batch.batch_id}: ready ({why}); evaluating")
            started = self._start(batch)
            self.echo(f"  {batch.batch_id}: {'ok' if started.ok else 'FAILED'} — {started.message}"
                      + (f" ({started.seconds:.0f}s)" if started.seconds else ""))
            result.started.append(started)
        result.seconds = time.perf_counter() - began
        return result

    def _start(self, batch) -> launch.Started:
        mode = self.config.retraining.trigger_mode
        if mode == "local":
            return launch.evaluate_locally(str(self.workspace.root), batch, started_by="adapt watch")
        spec = self.pipeline_spec or self._compiled_spec(mode)
        return launch.start_remotely(self.config, batch, spec, started_by="adapt watch", mode=mode)

    def _compiled_spec(self, mode: str) -> str:
        from pipeline.kubeflow import compile as kubeflow  # compiles once; imports TFX only in remote mode
        target = "vertex" if mode == "vertex" else "kubeflow"
        return kubeflow.compiled_batch_evaluation_spec(self.workspace, self.config, target)

    def run(self, schedule: Schedule, once: bool = False, install_signals: bool = True) -> int:
        if install_signals:
            signal.signal(signal.SIGINT, self.request_stop)
            signal.signal(signal.SIGTERM, self.request_stop)
        self.echo(f"watching {self.workspace.incoming} ({'one tick' if once else schedule.describe()})")
        failures = 0
        while True:
            result = self.tick()
            failures += sum(not s.ok for s in result.started)
            self.echo(f"tick at {time.strftime('%Y-%m-%d %H:%M:%S')}: {len(result.started)} batch(es) started, "
                      f"{len(result.skipped)} skipped ({result.seconds:.2f}s)")
            if once or self.stop_event.is_set():
                break
            next_tick = schedule.next_tick(time.time())
            if sleep_until(next_tick, self.stop_event):
                break
        self.echo("watch stopped")
        return 1 if failures else 0
