import pytest

from core.data import spans
from core.data.spans import SpanError, SpanWindow, read_source, write_span

HEADER = ["a", "b", "label"]
ROWS = [[str(i), f"x{i}", str(i % 2)] for i in range(200)]


def _read(path):
    return path.read_text().splitlines()


def test_split_is_deterministic_and_independent_of_row_order(tmp_path):
    spans.write_span(tmp_path / "one", HEADER, ROWS, test_fraction=0.2, source={"batch": "b"})
    spans.write_span(tmp_path / "two", HEADER, list(reversed(ROWS)), test_fraction=0.2, source={"batch": "b"})
    for split in ("train", "test"):
        first = set(_read(tmp_path / "one" / "span-1" / split / "data.csv"))
        second = set(_read(tmp_path / "two" / "span-1" / split / "data.csv"))
        assert first == second
    test_rows = len(_read(tmp_path / "one" / "span-1" / "test" / "data.csv")) - 1
    assert 20 <= test_rows <= 60  # about 20% of 200


def test_spans_are_integers_and_span_10_follows_9(tmp_path):
    for number in (1, 2, 9, 10, 11):
        (tmp_path / f"span-{number}").mkdir()
    (tmp_path / "span-x").mkdir()
    (tmp_path / ".span-12.tmp").mkdir()
    assert spans.list_spans(tmp_path) == [1, 2, 9, 10, 11]
    assert spans.latest_span(tmp_path) == 11
    assert SpanWindow.ending_at(11, 3).spans == [9, 10, 11]
    assert SpanWindow.ending_at(2, 4).spans == [1, 2]
    number = spans.write_span(tmp_path, HEADER, ROWS, test_fraction=0.2, source={"batch": "q"})
    assert number == 12


@pytest.mark.parametrize("text, expected", [("9-11", [9, 10, 11]), ("4", [4]), (" 2 - 3 ", [2, 3])])
def test_window_parsing(text, expected):
    assert SpanWindow.parse(text).spans == expected


@pytest.mark.parametrize("text", ["3-1", "a-b", "0-2", "1-2-3", ""])
def test_bad_windows_are_rejected(text):
    with pytest.raises(SpanError):
        SpanWindow.parse(text)


def test_missing_spans_of_a_window_are_named(tmp_path):
    (tmp_path / "span-1").mkdir()
    with pytest.raises(SpanError, match="span\\(s\\) 2, 3 not found"):
        spans.check_window_present(tmp_path, SpanWindow(1, 3))


def test_existing_span_is_never_rewritten(tmp_path):
    spans.write_span(tmp_path, HEADER, ROWS, test_fraction=0.2, source={"batch": "q1"}, span=1)
    before = (tmp_path / "span-1" / "train" / "data.csv").read_text()
    with pytest.raises(SpanError, match="already exists"):
        spans.write_span(tmp_path, HEADER, ROWS[:10], test_fraction=0.2, source={"batch": "q2"}, span=1)
    assert (tmp_path / "span-1" / "train" / "data.csv").read_text() == before


def test_a_crash_while_writing_leaves_no_span(tmp_path):
    def rows_then_crash():
        yield from ROWS[:50]
        raise OSError("disk full")

    with pytest.raises(OSError):
        spans.write_span(tmp_path, HEADER, rows_then_crash(), test_fraction=0.2, source={"batch": "q"})
    assert spans.list_spans(tmp_path) == []
    assert list(tmp_path.iterdir()) == []


def test_source_records_the_batch(tmp_path):
    spans.write_span(tmp_path, HEADER, ROWS, test_fraction=0.2, source={"batch": "2014-Q2"})
    assert spans.span_for_batch(tmp_path, "2014-Q2") == 1
    assert spans.span_for_batch(tmp_path, "2014-Q3") is None
    source = spans.read_source(tmp_path, 1)
    assert source["rows"]["train"] + source["rows"]["test"] == len(ROWS)


def test_an_empty_split_is_refused(tmp_path):
    with pytest.raises(SpanError, match="empty test split"):
        spans.write_span(tmp_path, HEADER, ROWS[:1], test_fraction=0.05, source={"batch": "q"})
    assert spans.list_spans(tmp_path) == []


def test_rejected_spans_are_skipped_by_windows(tmp_path):
    for number in (1, 2, 3, 4):
        spans.write_span(tmp_path, HEADER, ROWS, test_fraction=0.2, source={"batch": f"q{number}"})
    spans.mark_rejected(tmp_path, 3, "fare: unexpected string values")
    assert spans.rejected_spans(tmp_path) == [3]
    assert (tmp_path / "span-3" / "train" / "data.csv").exists()  # quarantined in place, not deleted
    window = SpanWindow.ending_at(4, 3, spans.rejected_spans(tmp_path))
    assert window.spans == [1, 2, 4] and str(window) == "1-4 without 3"
    assert SpanWindow(2, 4).without([3]).spans == [2, 4]
    with pytest.raises(SpanError, match="span 3 was rejected"):
        SpanWindow.ending_at(3, 2, [3])


def test_writers_racing_for_the_next_number_each_get_their_own(tmp_path):
    import multiprocessing
    with multiprocessing.get_context("fork").Pool(4) as pool:
        numbers = pool.map(_write, [(str(tmp_path), f"b{i}") for i in range(8)])
    assert sorted(numbers) == list(range(1, 9))
    assert sorted(read_source(tmp_path, n)["batch"] for n in numbers) == sorted(f"b{i}" for i in range(8))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left behind


def _write(args):
    root, batch = args
    return write_span(root, ["x", "y"], [[f"{batch}.{i}", str(i % 2)] for i in range(40)], test_fraction=0.25,
                      source={"batch": batch})


def test_a_float_column_is_written_as_floats_in_both_splits_and_in_later_spans(tmp_path):
    header = ["bp", "code", "name", "gap"]
    rows = [[str(80 + i) if i % 9 else f"{80 + i}.5", str(i % 4), f"n{i}", "" if i % 2 else "NA"] for i in range(200)]
    assert spans.float_columns(header, rows) == ["bp"]   # code: integers only; name: text; gap: nothing
    first = spans.write_span(tmp_path, header, rows, test_fraction=0.2, source={"batch": "b1"}, floats=["bp"])
    for split in ("train", "test"):
        values = [line.split(",")[0] for line in (tmp_path / f"span-{first}" / split / "data.csv").read_text()
                  .splitlines()[1:]]
        assert values and all("." in value for value in values), split
    assert spans.recorded_float_columns(tmp_path) == ["bp"]
    # the same rows split the same way as without the decimal points: a row's split follows the row as it came
    plain = spans.write_span(tmp_path / "plain", header, rows, test_fraction=0.2, source={"batch": "b1"})
    assert ((tmp_path / "plain" / f"span-{plain}" / "test" / "data.csv").read_text().count("\n") ==
            (tmp_path / f"span-{first}" / "test" / "data.csv").read_text().count("\n"))


def test_a_released_span_is_no_longer_rejected_and_keeps_both_records(tmp_path):
    write_span(tmp_path, ["x", "y"], [[str(i), "a"] for i in range(40)], test_fraction=0.5, source={"batch": "b1"})
    spans.mark_rejected(tmp_path, 1, "span 1 violates the schema: x: New column")
    assert spans.rejected_spans(tmp_path) == [1]
    released = spans.release(tmp_path, 1, {"schema_version": 2, "reason_released": "x is new"})
    assert spans.rejected_spans(tmp_path) == []
    assert released["reason"].endswith("New column") and released["schema_version"] == 2
    assert (spans.span_dir(tmp_path, 1) / spans.RELEASED_FILE).exists()
