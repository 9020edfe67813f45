"""Writes the bad-input corpus: small batch folders that break in the ways real batches break.

    python -m tests.corpus.make_corpus

Each case is a folder under tests/corpus/cases/ holding one batch of the generated churn stream's shape
(tests/streams.py) with one defect. tests/reliability/bad_input_test.py states the outcome each one must
get. The folders are kept in the repository; this script is how they were made (deterministic). Two cases
are made by the test itself: the 10 MB field (`write_large_case`) and a batch folder that is a symlink.
"""
import csv
import gzip
import io
import shutil
from pathlib import Path

from tests.streams import rotating_hyperplane_batches

CASES = Path(__file__).resolve().parent / "cases"


def _good_rows(count: int = 60):
    import tempfile
    folder = rotating_hyperplane_batches(Path(tempfile.mkdtemp()), batches=1, rows=count)[0]
    with open(folder / "data.csv", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    shutil.rmtree(folder.parent)
    return header, rows


def _write(case: str, text: bytes, name: str = "data.csv") -> Path:
    folder = CASES / case
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(text)
    return folder


def _csv(header, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def write_large_case(root: Path) -> Path:
    """The 10 MB single field: written where a test wants it, not kept in the repository."""
    header, rows = _good_rows(5)
    rows[2][header.index("channel")] = "x" * (10 * 1024 * 1024)
    folder = root / "ten-megabyte-field"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data.csv").write_bytes(_csv(header, rows))
    return folder


def main() -> None:
    shutil.rmtree(CASES, ignore_errors=True)
    header, rows = _good_rows()
    x1 = header.index("x1")
    label = header.index("churned")
    ragged = [list(row) for row in rows]
    ragged[7] = ragged[7][:-2]
    _write("ragged-row", _csv(header, ragged))
    _write("missing-column", _csv([h for h in header if h != "x2"],
                                  [[v for h, v in zip(header, row) if h != "x2"] for row in rows]))
    _write("extra-column", _csv(header + ["surprise"], [row + ["1"] for row in rows]))
    order = list(reversed(range(len(header))))
    _write("columns-reordered", _csv([header[i] for i in order], [[row[i] for i in order] for row in rows]))
    wrong = [list(row) for row in rows]
    for row in wrong:
        row[x1] = "about a half"
    _write("text-in-a-numeric-column", _csv(header, wrong))
    unknown = [list(row) for row in rows]
    for row in unknown[::3]:
        row[label] = "maybe"
    _write("unknown-label-class", _csv(header, unknown))
    _write("empty-file", b"")
    _write("header-only", _csv(header, []))
    _write("not-utf8", _csv(header, rows[:10]).replace(b"web", b"w\xe9b\xff"))
    _write("utf8-bom", b"\xef\xbb\xbf" + _csv(header, rows))
    special = [list(row) for row in rows]
    special[3][x1], special[4][x1], special[5][x1] = "nan", "inf", "-inf"
    _write("nan-and-inf", _csv(header, special))
    _write("corrupt-tfrecord", gzip.compress(b"this is not a tfrecord file at all" * 100), "data.tfrecord.gz")
    unlabeled = [[v for h, v in zip(header, row) if h != "churned"] for row in rows]
    folder = _write("labels-ids-do-not-match", _csv([h for h in header if h != "churned"], unlabeled))
    (folder / "labels.csv").write_text("instance_id,churned\ndata.csv:0,yes\ndata.csv:999,no\n")
    folder = _write("labels-count-does-not-match", _csv([h for h in header if h != "churned"], unlabeled))
    (folder / "labels.csv").write_text("churned\nyes\nno\n")
    print(f"{len(list(CASES.iterdir()))} cases in {CASES}")


if __name__ == "__main__":
    main()
