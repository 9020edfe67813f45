"""Which log file holds which pipeline run: the run's own id, as TFX writes it into the log it runs under.

`adapt train`, `adapt evaluate-batch` and the replays write one log per command in reports/logs/
(`train-<time>-spans-A-B.log`, `evaluate-<batch>-<time>.log`); TFX's launcher logs `run_id='<id>'` for every
component it runs, so a run's log is the one that names its id. A log read once is remembered by its name, size
and modification time.
"""
import re
from pathlib import Path
from typing import Dict, FrozenSet, Optional, Tuple

RUN_ID = re.compile(r"run_id='([^']+)'")
EVALUATION_LOG = re.compile(r"^evaluate-(?P<batch>.+)-\d{8}-\d{6}\.log$")
TRAINING_LOG = re.compile(r"^train-\d{8}-\d{6}-spans-(?P<spans>.+)\.log$")

_seen: Dict[Tuple[str, int, float], FrozenSet[str]] = {}


def run_ids_in(path: Path) -> FrozenSet[str]:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime)
    if key not in _seen:
        _seen[key] = frozenset(RUN_ID.findall(path.read_text(errors="replace")))
    return _seen[key]


def logs_by_run(folder: Path) -> Dict[str, str]:
    """{run id: log file name} for every log in `folder` (a training log may hold several runs: its candidates)."""
    found: Dict[str, str] = {}
    for path in sorted(folder.glob("*.log")) if folder.is_dir() else []:
        for run_id in run_ids_in(path):
            found.setdefault(run_id, path.name)
    return found


def batch_of_log(name: str) -> Optional[str]:
    """The batch an evaluation log names (`evaluate-2015-Q1-20261207-150431.log` -> 2015-Q1)."""
    matched = EVALUATION_LOG.match(name)
    return matched.group("batch") if matched else None


def spans_of_log(name: str) -> Optional[str]:
    """The window a training log names (`train-20261207-150401-spans-2-5.log` -> 2-5)."""
    matched = TRAINING_LOG.match(name)
    return matched.group("spans") if matched else None
