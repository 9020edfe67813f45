"""Benchmark: what was injected into real adapt processes and what survived, as one table per kind of fault.

    python -m benchmarks.reliability

Runs the reliability tests (tests/reliability: kills at named points, bad-input
corpus, concurrent starts) and the model server's and cloud function's HTTP
tests with pytest, reads what each test recorded (`record_property`) from the
JUnit XML, and writes benchmarks/results/reliability.md. A row's `held` is the
test's verdict: every promise it asserts held.
"""
import argparse
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "reliability.md"
TESTS = ["tests/reliability", "tests/e2e/mysql_metadata_test.py", "serving/server_test.py",
         "cloud_function/main_test.py", "serving/openapi_test.py", "tests/e2e/ui_fuzz_test.py",
         "pipeline/ui/app_test.py", "pipeline/local/csv_fuzz_test.py"]
KEPT_SECTION = "## Determinism"


def run_tests(junit: Path) -> int:
    command = [sys.executable, "-m", "pytest", "-q", "-m", "", "-p", "no:cacheprovider", f"--junitxml={junit}",
               "-o", "junit_family=xunit1", *TESTS]
    return subprocess.run(command, cwd=ROOT).returncode


def read_results(junit: Path) -> List[Dict]:
    rows = []
    for case in ElementTree.parse(junit).iter("testcase"):
        failed = case.find("failure") is not None or case.find("error") is not None
        row = {"file": case.get("file") or case.get("classname", ""), "test": case.get("name"),
               "seconds": float(case.get("time") or 0), "held": "no" if failed else "yes"}
        if case.find("skipped") is not None:
            row["held"] = "skipped"
        row.update({prop.get("name"): prop.get("value") for prop in case.iter("property")})
        rows.append(row)
    return rows


def table(rows: List[Dict], columns: List[str]) -> List[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(str(row.get(column, "")).replace("|", "/") for column in columns) + " |")
    return lines + [""]


def _named(rows: List[Dict], part: str) -> List[Dict]:
    return [row for row in rows if part in row["file"] or part in row["test"]]


def report(rows: List[Dict], seconds: float) -> str:
    for row in rows:
        row["case"] = row["test"].split("[", 1)[-1].rstrip("]") if "[" in row["test"] else row["test"]
    lines = [
        "# Reliability: what was injected, what survived",
        "",
        f"Command: `python -m benchmarks.reliability` ({time.strftime('%Y-%m-%d')}, 2-core machine, {seconds:.0f} s). "
        "Every row is a test in " + ", ".join(f"`{t}`" for t in TESTS) + "; `held` means all of its assertions held "
        "(for kills: the rerun completes, each batch is at most one span, no half span or model folder, the served "
        "version is whole, `adapt models list` and `adapt history` read; for bad input: accepted spans "
        "byte-identical, serving version unchanged, the batch untouched).",
        "",
        "## Processes killed (SIGKILL) at a named point, then run again",
        "",
        *table(_named(rows, "faults"), ["killed at", "exit of the killed run", "spans after the rerun",
                                        "serving after the rerun", "held", "test"]),
        "## A full disk: the workspace on a small tmpfs, filled at a named point of a real command",
        "",
        "Checked each time: exit 1 with one line saying the disk is full and where, no traceback, no half span or "
        "model folder (staging removed), the served version whole and unchanged, the batch folders untouched; "
        "after the filler is removed the rerun completes with one span per batch. The prediction log: every "
        "request answered, one logged line for the streak, lines written again once there is space.",
        "",
        *table(_named(rows, "disk_full"), ["stage", "said", "held", "test"]),
        "## ML Metadata on MariaDB: the server stops in the middle of a run, or cannot be opened",
        "",
        "The tests start a private MariaDB; a command stops it at a named point (core/faults.py: ADAPT_RUN_AT). "
        "Checked: exit 1 with one line naming the database and no password, `adapt models list` and `adapt "
        "history` read once it is back and the next run completes; with `metadata.retry_seconds` the command "
        "waits for the server and completes, the training one event of the history.",
        "",
        *table(_named(rows, "mysql_metadata"), ["test", "stage", "said", "held"]),
        "## Bad input (tests/corpus)",
        "",
        *table(_named(rows, "bad_input"), ["case", "outcome", "exit", "said", "quarantined because", "held"]),
        "## Concurrent starts",
        "",
        *table(_named(rows, "concurrency"), ["test", "processes", "spans", "trainings", "told it is taken", "held"]),
        "## Beyond one process: both pipelines under Beam's multi-processing direct runner",
        "",
        *table(_named(rows, "multiprocess"), ["test", "held"]),
        "## Fuzzing: the model server and the dashboard from their OpenAPI documents (Schemathesis), the "
        "dashboard's token and rollback form and the CSV reader (Hypothesis)",
        "",
        "REST: valid and invalid requests generated for every operation of /openapi.json; held means no 5xx, "
        "every 4xx a JSON error, every answer as documented. Dashboard (`adapt ui` with a token and "
        "`--allow-rollback` on a trained workspace): every operation of the app's document, half of the valid "
        "requests naming the workspace's real batches, features, logs and versions; held means no 5xx, every "
        "refusal one line of text, every page the dashboard's, no traceback in the server's log. CSV: generated "
        "data.csv files read as `adapt init` and a batch's rows are; held means each was accepted or refused with "
        "a one-line AdaptError.",
        "",
        *table(_named(rows, "openapi_test") + _named(rows, "ui_fuzz") + _named(rows, "ui/app_test")
               + _named(rows, "csv_fuzz"),
               ["test", "requests", "statuses", "cases", "accepted", "refused", "held"]),
        "## HTTP: the model server and the cloud function",
        "",
        *table(_named(rows, "server_test") + _named(rows, "main_test"),
               ["test", "bad requests", "requests", "failures", "held"]),
    ]
    tables = ("faults", "disk_full", "mysql_metadata", "bad_input", "concurrency", "multiprocess", "openapi_test",
              "ui_fuzz", "ui/app_test", "csv_fuzz", "server_test", "main_test")
    shown = {id(row) for part in tables for row in _named(rows, part)}
    assert len(shown) == len(rows), "a test of the run has no table: add its file to report()"
    held = sum(row["held"] == "yes" for row in rows)
    lines.append(f"{held} of {len(rows)} held.")
    return "\n".join(lines) + "\n"


def main() -> int:
    argparse.ArgumentParser(description=__doc__.split("\n")[0]).parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        junit = Path(scratch) / "reliability.xml"
        started = time.perf_counter()
        code = run_tests(junit)
        if not junit.exists():
            print("reliability: pytest wrote no results", file=sys.stderr)
            return code or 1
        text = report(read_results(junit), time.perf_counter() - started)
    RESULTS.write_text(text + _kept_section())
    print(text)
    return code


def _kept_section() -> str:
    """The determinism section (the fault tests' ten-run loop, which it names) is not this run's: a rerun keeps it."""
    old = RESULTS.read_text() if RESULTS.exists() else ""
    return "\n" + old[old.index(KEPT_SECTION):] if KEPT_SECTION in old else ""


if __name__ == "__main__":
    sys.exit(main())
