"""Progress lines for long pipeline runs, and a full log file for the curious.

TFX's Beam runner logs "node X is running/finished"; while a run is inside
`pipeline_progress`, those become one short line per component on the
console, and everything else (TFX, Beam, TensorFlow) goes to the log file.
"""
import contextlib
import logging
import sys
import time
from pathlib import Path
from typing import Callable, Dict, Optional


class _NodeProgress(logging.Handler):
    def __init__(self, echo: Callable[[str], None]):
        super().__init__(logging.INFO)
        self.echo = echo
        self.started: Dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "node %s is running." and record.args:
            self.started[record.args[0]] = time.perf_counter()
        elif record.msg == "node %s is finished." and record.args:
            node = record.args[0]
            elapsed = time.perf_counter() - self.started.get(node, time.perf_counter())
            self.echo(f"    {node:<28} {elapsed:6.1f}s")


def echo_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@contextlib.contextmanager
def pipeline_progress(log_file: Optional[Path], echo: Optional[Callable[[str], None]] = echo_stderr):
    root = logging.getLogger()
    previous_level = root.level
    handlers = []
    if echo is not None:
        handlers.append(_NodeProgress(echo))
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(log_file)
        file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handlers.append(file_handler)
    quiet = []
    for handler in root.handlers:
        if not isinstance(handler, logging.FileHandler):  # console handlers, absl's included
            quiet.append((handler, handler.level))
            handler.setLevel(logging.ERROR)
    root.setLevel(logging.INFO)
    # TFX logs through absl's logger; libraries may lower the root level mid-run, so set it here.
    absl_logger = logging.getLogger("absl")
    previous_absl_level = absl_logger.level
    absl_logger.setLevel(logging.INFO)
    tensorflow_logger = logging.getLogger("tensorflow")
    previous_tensorflow_level = tensorflow_logger.level
    tensorflow_logger.setLevel(logging.ERROR)
    for handler in handlers:
        root.addHandler(handler)
    try:
        yield
    finally:
        absl_logger.setLevel(previous_absl_level)
        tensorflow_logger.setLevel(previous_tensorflow_level)
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()
        for handler, level in quiet:
            handler.setLevel(level)
        root.setLevel(previous_level)
