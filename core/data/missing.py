"""What counts as a missing value in a CSV cell: empty, or one of the markers spreadsheets, R and pandas write.

Spans are written with missing cells left empty, which is what ExampleGen and
TFDV read as "no value"; batch prediction and drift statistics read a
batch's raw files the same way, so `NA` in a numeric column is a gap, not text.
"""
import csv
import io

# pandas' default na_values.
MISSING_MARKERS = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                             "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})


def is_missing(cell: str) -> bool:
    return cell.strip() in MISSING_MARKERS


def blank_missing(row):
    """The row with every missing marker made an empty cell."""
    return ["" if is_missing(cell) else cell for cell in row]


def blank_missing_line(line: str) -> str:
    """One CSV line with its missing markers emptied (for readers that take lines, like TFDV's DecodeCSV)."""
    row = next(csv.reader([line]), [])
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(blank_missing(row))
    return out.getvalue()
