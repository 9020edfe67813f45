"""How benchmarks/scale.py measures one command: the process run as a user runs it, its progress lines read from
stderr as they come ("    NodeName   started", "    NodeName   12.3s": pipeline/local/beam.py pipeline_progress),
and the resident memory of its whole process tree (Beam workers, the training child, the model server) sampled
every SAMPLE_SECONDS, each sample counted to the node whose "started" line came last.

Also the bare learner: `python -m benchmarks.scale_measure CSV...` reads the CSVs (timed: the linear pass over the
rows) and fits YDF's gradient-boosted trees with the Trainer's settings (core/trees.py), printing one JSON line.
"""
import json
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

SAMPLE_SECONDS = 0.2
BEFORE_FIRST_NODE = "(start-up)"   # samples before the first node: imports, reading the workspace
PROGRESS_LINE = re.compile(r"^ {4}(?P<node>[A-Za-z_][\w.\-]*)\s+(?:(?P<started>started)|(?P<seconds>\d+(?:\.\d+)?)s)\s*$")


@dataclass(frozen=True)
class ProgressLine:
    node: str
    seconds: Optional[float]   # None: the node started


@dataclass
class NodeMeasurement:
    node: str
    seconds: float = 0.0
    peak_rss_mb: float = 0.0


@dataclass
class CommandMeasurement:
    name: str                  # e.g. "evaluate-batch 5": the same name at every size
    rows: int                  # the rows the command works on
    seconds: float = 0.0       # the whole process, wall clock
    peak_rss_mb: float = 0.0   # the whole process tree, any moment
    nodes: List[NodeMeasurement] = field(default_factory=list)

    def node(self, name: str) -> NodeMeasurement:
        for found in self.nodes:
            if found.node == name:
                return found
        self.nodes.append(NodeMeasurement(name))
        return self.nodes[-1]


def parse_progress_line(line: str) -> Optional[ProgressLine]:
    """A pipeline progress line as adapt prints it on stderr, or None for any other line."""
    found = PROGRESS_LINE.match(line.rstrip("\n"))
    if not found:
        return None
    return ProgressLine(found["node"], None if found["started"] else float(found["seconds"]))


def tree_rss_bytes(process) -> int:
    """Resident bytes of a psutil process and all its descendants (those that exit meanwhile count 0)."""
    import psutil
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            pass
    return total


def measure(command: Sequence, name: str, rows: int, log: Path, cwd: Optional[Path] = None,
            env: Optional[Dict[str, str]] = None) -> CommandMeasurement:
    """Runs `command`, its stdout and stderr appended to `log`; a failure stops the benchmark, naming the log."""
    import psutil
    result = CommandMeasurement(name, rows)
    current = [BEFORE_FIRST_NODE]
    lock = threading.Lock()
    with open(log, "a") as handle:
        handle.write(f"\n$ {' '.join(map(str, command))}\n")
        handle.flush()
        started = time.perf_counter()
        process = subprocess.Popen([str(part) for part in command], stdout=handle, stderr=subprocess.PIPE, text=True,
                                   errors="backslashreplace", cwd=cwd, env=env)

        def read_stderr():
            for line in process.stderr:
                handle.write(line)
                progress = parse_progress_line(line)
                if progress is None:
                    continue
                with lock:
                    if progress.seconds is None:
                        if current[0] == BEFORE_FIRST_NODE:
                            result.node(BEFORE_FIRST_NODE).seconds = time.perf_counter() - started
                        current[0] = progress.node
                        result.node(progress.node)
                    else:
                        result.node(progress.node).seconds = progress.seconds

        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()
        watched = psutil.Process(process.pid)
        while process.poll() is None:
            megabytes = tree_rss_bytes(watched) / 2 ** 20
            with lock:
                result.peak_rss_mb = max(result.peak_rss_mb, megabytes)
                node = result.node(current[0])
                node.peak_rss_mb = max(node.peak_rss_mb, megabytes)
            time.sleep(SAMPLE_SECONDS)
        reader.join()
        result.seconds = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"{' '.join(map(str, command[:5]))}... failed with exit code {process.returncode}; "
                         f"see {log}")
    return result


@dataclass(frozen=True)
class BareFit:
    rows: int
    read_seconds: float   # reading the CSVs into memory: the linear pass a retrain cannot do without
    fit_seconds: float


def bare_fit(csv_files: Sequence[str], label: str, categorical: Sequence[str], vocabulary: int,
             ignored: Sequence[str] = ()) -> BareFit:
    """The learner on the rows as the Trainer gets them: the workspace's categorical columns as text, each keeping
    its `vocabulary` most frequent values (the rest one out-of-vocabulary value, as Transform's top_k does; YDF with
    every value of a 2,000-city column kept took 258 s on 40,000 rows), ignored columns dropped."""
    import pandas as pd
    from core.trees import ydf_learner
    started = time.perf_counter()
    frame = pd.concat([pd.read_csv(path, keep_default_na=True) for path in csv_files], ignore_index=True)
    frame = frame.drop(columns=[column for column in ignored if column in frame.columns])
    for column in categorical:
        text = frame[column].astype("string").fillna("")
        kept = text.value_counts().index[:vocabulary]
        frame[column] = text.where(text.isin(kept), "(out of vocabulary)").astype(object)
    read = time.perf_counter() - started
    started = time.perf_counter()
    ydf_learner(label, categorical).train(frame, verbose=0)
    return BareFit(len(frame), read, time.perf_counter() - started)


def measure_bare_fit(csv_files: Sequence[Path], label: str, categorical: Sequence[str], vocabulary: int,
                     ignored: Sequence[str], log: Path) -> Tuple[CommandMeasurement, BareFit]:
    """The bare learner in its own process: its seconds and peak memory, and its own read and fit seconds."""
    command = [sys.executable, "-m", "benchmarks.scale_measure", "--label", label, "--vocabulary", vocabulary,
               "--categorical", ",".join(categorical), "--ignored", ",".join(ignored), *map(str, csv_files)]
    output = log.with_suffix(".bare.json")
    output.unlink(missing_ok=True)
    measured = measure([*command, "--output", output], "bare YDF fit", 0, log)
    fit = BareFit(**json.loads(output.read_text()))
    measured.rows = fit.rows
    return measured, fit


def main(argv: Optional[Sequence[str]] = None) -> int:
    import argparse
    from dataclasses import asdict
    parser = argparse.ArgumentParser(description="YDF's gradient-boosted trees fit on CSVs, with adapt's settings")
    parser.add_argument("csv", nargs="+")
    parser.add_argument("--label", required=True)
    parser.add_argument("--categorical", default="", help="comma-separated")
    parser.add_argument("--ignored", default="", help="comma-separated")
    parser.add_argument("--vocabulary", type=int, required=True)
    parser.add_argument("--output", required=True)
    args = parser.parse_args(argv)
    categorical, ignored = ([name for name in names.split(",") if name] for names in (args.categorical, args.ignored))
    fit = bare_fit(args.csv, args.label, categorical, args.vocabulary, ignored)
    Path(args.output).write_text(json.dumps(asdict(fit)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
