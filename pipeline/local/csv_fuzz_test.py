"""The CSV reader fuzzed (Hypothesis, bounded): whatever bytes a batch's data.csv holds, reading it as `adapt init`
and `adapt evaluate-batch` do (header, rows, column profiles, the label's task, each row parsed by the inferred
types, the span written) either accepts it or refuses it with one line (an AdaptError); nothing else escapes."""
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.data import spans
from core.data.batch import Batch
from core.data.examples import csv_row_to_instance
from core.data.profile import label_task, profile_columns
from core.errors import AdaptError
from pipeline.local.init import read_first_batch

# cells that CSV and type inference trip over: quotes, separators, line breaks, NUL, numbers at their limits
_TRICKY = st.sampled_from(['"', '""', ",", "\n", "\r\n", "\r", "\x00", " ", "NaN", "inf", "-inf", "1e999", "-0",
                           "9223372036854775808", "1.5", "07", "０", "\ufeff", "é", "NA", "?", "null", "true"])
_CELL = st.one_of(st.text(max_size=8), _TRICKY, st.integers().map(str), st.floats().map(repr))
_LABEL = st.one_of(st.sampled_from(["yes", "no", "0", "1", "2.5"]), _CELL)


def _csv_cell(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\r\n') else cell


@st.composite
def _table(draw) -> str:
    """Mostly a well-formed table (a header ending in `label`, rows of its width, a few label values) with
    tricky cells, sometimes quoted as a writer would, sometimes raw; now and then a ragged row."""
    names = draw(st.lists(st.one_of(st.text(max_size=6), _TRICKY), max_size=4)) + ["label"]
    quote = draw(st.booleans())
    lines = [",".join(_csv_cell(n) if quote else n for n in names)]
    for _ in range(draw(st.integers(0, 12))):
        width = len(names) if draw(st.integers(0, 9)) else draw(st.integers(0, len(names) + 2))
        cells = draw(st.lists(_CELL, min_size=max(width - 1, 0), max_size=max(width - 1, 0))) + \
            ([draw(_LABEL)] if width else [])
        lines.append(",".join(_csv_cell(c) if quote else c for c in cells))
    return draw(st.sampled_from(["\n", "\r\n"])).join(lines)


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


_BYTES = st.one_of(_table().map(_encoded), _table().map(lambda text: b"\xef\xbb\xbf" + _encoded(text)),
                   _table().map(lambda text: _encoded(text) + b"\xe9\xff"), st.binary(max_size=200))
counts = {"accepted": 0, "refused": 0}


def read_as_adapt_does(folder: Path, data_root: Path) -> None:
    """`adapt init --label label`'s reading of a first batch, then a later batch's rows parsed
    by the inferred types, as BatchPredictionGen parses them, and the span written."""
    batch = Batch(str(folder), label="label")
    header, rows = read_first_batch(batch, str(folder))
    profiles = profile_columns(header, rows, batch.label)
    label_task(batch.label, [row[header.index(batch.label)] for row in rows])
    types = {profile.name: profile.kind for profile in profiles if profile.name != batch.label}
    batch.count_instances()
    for number, row in enumerate(rows):
        csv_row_to_instance(header, row, types, where=f"row {number}: ")
    if len(rows) >= 2:
        spans.write_span(data_root, header, rows, test_fraction=0.5, source={"batch": folder.name})


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(content=_BYTES)
def test_any_data_csv_is_accepted_or_refused_in_one_line(content):
    root = Path(tempfile.mkdtemp(prefix="adapt-csv-fuzz-"))
    try:
        (root / "batch").mkdir()
        (root / "batch" / "data.csv").write_bytes(content)
        try:
            read_as_adapt_does(root / "batch", root / "data")
            counts["accepted"] += 1
        except AdaptError as err:
            message = str(err)
            assert message and "\n" not in message and "Traceback" not in message, repr(message)
            counts["refused"] += 1
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_the_fuzzer_both_accepted_and_refused_files(record_property):
    """Runs after the fuzzing test (same module, in order): a fuzzer that only ever took one path found nothing."""
    record_property("cases", counts["accepted"] + counts["refused"])
    record_property("accepted", counts["accepted"])
    record_property("refused", counts["refused"])
    assert counts["accepted"] > 10 and counts["refused"] > 10, counts
