"""Running a TFX pipeline on this machine: BeamDagRunner, progress lines, a log file, one-line failures.

`run_pipeline` runs a pipeline with `ReportingBeamDagRunner`, TFX's
BeamDagRunner whose per-node DoFn reports when each component finishes.
While a run is inside `pipeline_progress`, that becomes one short line per
component on the console, and everything TFX, Beam and TensorFlow log goes
to the log file — Python's logging and, by file descriptor, what their C++
parts (TFDV, TF-DF, TensorFlow) print to stderr themselves. A failed run becomes one `PipelineError` line, or a
`DataValidationError` naming the anomalies.
"""
import contextlib
import gc
import io
import logging
import os
import re
import sys
import time
import uuid
from pathlib import Path
from typing import Callable, List, Optional, Sequence

from tfx.dsl.compiler import constants
from tfx.orchestration.beam import beam_dag_runner
from tfx.orchestration.portable import runtime_parameter_utils

from core import faults
from core.errors import DataValidationError, PipelineError
from models.keras_autograph import exclude_tf_keras_from_autograph

_listeners: List[Callable[[str, Optional[float]], None]] = []


class _ReportingNodeDoFn(beam_dag_runner.PipelineNodeAsDoFn):
    """Tells the listeners when a node starts (seconds None) and when it ends (its seconds)."""

    def _run_node(self) -> None:
        for listener in list(_listeners):
            listener(self._node_id, None)
        started = time.perf_counter()
        super()._run_node()
        for listener in list(_listeners):
            listener(self._node_id, time.perf_counter() - started)


class ReportingBeamDagRunner(beam_dag_runner.BeamDagRunner):
    """BeamDagRunner with progress reports and a run id of its own.

    TFX names a run by the clock alone, and whoever reads a run's results back
    from MLMD must find this run's executions, not those of a run another
    process started beside it: the id names the run's `pipeline_run` context.
    """
    _PIPELINE_NODE_DO_FN_CLS = _ReportingNodeDoFn

    def __init__(self):
        super().__init__()
        self.run_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{uuid.uuid4().hex[:8]}"

    def run_with_ir(self, pipeline, run_options=None):
        runtime_parameter_utils.substitute_runtime_parameter(
            pipeline, {constants.PIPELINE_RUN_ID_PARAMETER_NAME: self.run_id})
        return super().run_with_ir(pipeline, run_options)


# Flags through which Beam ships a pipeline's Python code to remote workers.
_DEPENDENCY_FLAGS = ("--extra_package", "--extra_packages", "--setup_file", "--requirements_file",
                     "--worker_harness_container_image", "--sdk_container_image")
_SETUP_FILE = Path(__file__).resolve().parents[2] / "setup.py"


def executor_beam_args(args: Sequence[str]) -> List[str]:
    """The `beam_pipeline_args` of TFX's Beam executors, with adapt's own package as their dependency.

    Given Beam arguments that name no dependency, every TFX Beam executor builds
    a 50 MB sdist of TFX into a temporary folder it never deletes, for workers
    that could not run adapt's executors anyway (2.6 s per component; a disk
    filled after a day of replays). Naming adapt's setup.py is what a remote
    runner needs, and the direct runner ignores it.
    """
    args = list(args)
    if args and _SETUP_FILE.is_file() and not any(arg.split("=")[0] in _DEPENDENCY_FLAGS for arg in args):
        args.append(f"--setup_file={_SETUP_FILE}")
    return args


class _RedactingFormatter(logging.Formatter):
    """TFX logs the pipeline IR and the MLMD connection config: a database password must not reach the file."""

    _SECRET = re.compile(r'(password\s*[:=]\s*)("[^"]*"|\S+)')

    def format(self, record: logging.LogRecord) -> str:
        return self._SECRET.sub(r'\1"<redacted>"', super().format(record))


def echo_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@contextlib.contextmanager
def _native_stderr_to(log_file: Path):
    """Points file descriptor 2 at the log file; Python's sys.stderr (progress lines and bars) keeps the console.

    C++ libraries write their warnings straight to descriptor 2, past Python's logging; so do child processes.
    """
    sys.stderr.flush()
    console = os.dup(2)
    saved = sys.stderr
    with open(log_file, "ab") as log:
        os.dup2(log.fileno(), 2)
    sys.stderr = io.TextIOWrapper(io.FileIO(os.dup(console), "w"), encoding=getattr(saved, "encoding", None) or "utf-8",
                                  errors="backslashreplace", line_buffering=True, write_through=True)
    try:
        yield
    finally:
        sys.stderr.flush()
        sys.stderr.close()
        sys.stderr = saved
        os.dup2(console, 2)
        os.close(console)


class _RunLogHandler(logging.FileHandler):
    """The run's log file. A record it cannot write (the disk is full) is left out, not printed on the console with
    a traceback: the command's own error line says what happened."""

    def handleError(self, record: logging.LogRecord) -> None:
        pass


@contextlib.contextmanager
def pipeline_progress(log_file: Optional[Path], echo: Optional[Callable[[str], None]] = echo_stderr):
    listener = None
    if echo is not None:
        def listener(node: str, seconds: Optional[float]) -> None:
            echo(f"    {node:<28} started" if seconds is None else f"    {node:<28} {seconds:6.1f}s")
        _listeners.append(listener)

    root = logging.getLogger()
    saved = [(root, root.level)] + [(logging.getLogger(name), logging.getLogger(name).level)
                                    for name in ("absl", "tensorflow")]
    quiet = [(handler, handler.level) for handler in root.handlers if not isinstance(handler, logging.FileHandler)]
    for handler, _ in quiet:  # console handlers, absl's included: the log file has it all
        handler.setLevel(logging.CRITICAL)
    file_handler = None
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file_handler = _RunLogHandler(log_file)
        file_handler.setFormatter(_RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(file_handler)
    root.setLevel(logging.INFO)
    logging.getLogger("absl").setLevel(logging.INFO)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    native = _native_stderr_to(log_file) if log_file is not None else contextlib.nullcontext()
    try:
        with native:
            yield
    finally:
        if listener is not None:
            _listeners.remove(listener)
        if file_handler is not None:
            root.removeHandler(file_handler)
            file_handler.close()
        for handler, level in quiet:
            handler.setLevel(level)
        for logger, level in saved:
            logger.setLevel(level)


# A warm training process collects the run's garbage after it answered (pipeline/local/training_job.py), while
# its parent evaluates the next batch: a full collection of a TensorFlow process takes about half a second.
collect_after_runs = True


def release_shared_objects() -> None:
    """Frees what the run's DoFns loaded through Beam's `Shared` (TFMA's and Transform's models), now.

    Beam keeps the last object acquired alive until another is acquired, for the next bundle of a stage; after a
    run there is none. Kept, a warm training process holds the last run's models, and at interpreter exit their
    TensorFlow functions are deleted after TensorFlow itself, printing TypeErrors on the console.
    """
    from apache_beam.utils import shared
    shared._shared_map._keepalive = (None, None)  # noqa: SLF001 — Beam offers no call for it
    if collect_after_runs:
        gc.collect()


def run_pipeline(pipeline) -> str:
    """Runs `pipeline` and returns its run id (the name of its `pipeline_run` context in MLMD)."""
    exclude_tf_keras_from_autograph()  # Transform, Trainer and Evaluator run in this process
    runner = ReportingBeamDagRunner()
    try:
        faults.point("metadata-writing")  # a run's first writes register its contexts in ML Metadata
        runner.run(pipeline)
        release_shared_objects()
        return runner.run_id
    except Exception as err:  # Beam wraps executor errors; recover the validation message
        # the run log keeps the step Beam names (the exception's arguments); the error adapt raises does not
        logging.getLogger(__name__).error("pipeline %s failed: %r", pipeline.pipeline_info.pipeline_name, err)
        text = str(err)
        match = re.search(r"violates the schema: [^\n]*", text)
        if match:
            raise DataValidationError(match.group(0).strip()) from None
        if "Failed to establish connection to Metadata storage" in text:  # TFX's words for a store it cannot open
            from pipeline.lineage.store import why_not_opened
            raise PipelineError(f"pipeline {pipeline.pipeline_info.pipeline_name} failed: "
                                f"{why_not_opened(pipeline.metadata_connection_config, text)}") from None
        last_line = next((line for line in reversed(text.strip().splitlines()) if line.strip()), text)
        raise PipelineError(f"pipeline {pipeline.pipeline_info.pipeline_name} failed: "
                            f"{last_line.strip()[:500]}") from err
