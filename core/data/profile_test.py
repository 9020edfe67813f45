"""Column roles and label classes decided from a first batch's values."""
import random

import pytest

from core.data.profile import label_classes, label_task, profile_column, profile_columns
from core.errors import UsageError


def _role(name, cells):
    return profile_column(name, cells).role


def test_roles_follow_the_values():
    generator = random.Random(1)
    rows = 200
    assert _role("amount", [f"{generator.gauss(50, 10):.2f}" for _ in range(rows)]) == "numeric"
    assert _role("income", [f"{generator.paretovariate(1.1):.2f}" for _ in range(rows)]) == "bucketized"
    assert _role("color", [generator.choice(["red", "green", "blue"]) for _ in range(rows)]) == "categorical"
    assert _role("grade", [str(generator.randrange(5)) for _ in range(rows)]) == "categorical"
    assert _role("age", [str(generator.randrange(18, 90)) for _ in range(rows)]) == "numeric"


def test_a_whole_number_is_a_code_only_when_its_few_values_fill_their_range_and_each_came_back():
    generator = random.Random(2)
    ages = profile_column("age", [str(generator.choice(range(19, 80, 3))) for _ in range(20)])
    assert ages.role == "numeric" and "spread over" in ages.why    # 20 rows of a population of ages
    children = [str(generator.randrange(8)) for _ in range(30)] + ["11", "14"]
    assert profile_column("children", children).role == "numeric"   # seen once: more values will come
    assert profile_column("weekday", [str(1 + i % 7) for i in range(70)]).why == "integer code with 7 values"
    assert profile_column("year", [str(2007 + i % 3) for i in range(60)]).role == "categorical"


def test_what_would_only_hurt_a_model_is_ignored_and_says_why():
    rows = 100
    unique = profile_column("order", [f"o-{i}" for i in range(rows)])
    assert (unique.role, unique.why) == ("ignore", "unique per row, like an id")
    assert profile_column("site", ["berlin"] * rows).why == "constant"
    assert profile_column("note", [""] * rows).why == "always empty"
    epoch = profile_column("created", [str(1_600_000_000 + 37 * i) for i in range(rows)])
    dates = profile_column("day", [f"2024-03-{1 + i % 28:02d}T10:{i % 60:02d}:00" for i in range(rows)])
    assert epoch.role == dates.role == "ignore" and epoch.why.startswith("timestamp-like")
    text = profile_column("comment", [f"text {i % 80}" for i in range(rows)])
    assert text.role == "ignore" and "too many for a category" in text.why


def test_missing_markers_are_gaps_not_text():
    profile = profile_column("bill", ["39.1", "NA", "40.3", "", "nan"] * 20)
    assert (profile.kind, profile.role, profile.missing) == ("float", "numeric", 60)


def test_the_label_is_left_out_of_the_features():
    header = ["x", "y"]
    rows = [[str(i), "a" if i % 2 else "b"] for i in range(30)]
    assert [p.name for p in profile_columns(header, rows, "y")] == ["x"]


@pytest.mark.parametrize("cells, classes", [
    (["1", "0", "1"], ["0", "1"]),
    (["10", "2", "2"], ["2", "10"]),
    (["True", "False"], ["False", "True"]),
    (["yes", "no", "no"], ["no", "yes"]),
    (["Gentoo", "Adelie", "Chinstrap"], ["Adelie", "Chinstrap", "Gentoo"]),
])
def test_label_classes_have_a_fixed_order(cells, classes):
    assert label_classes("y", cells) == classes


@pytest.mark.parametrize("cells, message", [
    (["1", "", "0"], "empty in 1 of 3 rows"),
    (["1", "1"], "single value"),
    ([str(i) for i in range(60)], "60 distinct values"),
])
def test_unusable_labels_are_refused(cells, message):
    with pytest.raises(UsageError, match=message):
        label_classes("y", cells)


def test_a_number_with_many_values_is_a_regression_target_and_few_values_stay_classes():
    prices = [f"{100 + 3.7 * i:.2f}" for i in range(40)] + ["", " "]
    target = label_task("price", prices)
    assert (target.task, target.classes, target.skipped) == ("regression", [], 2)
    assert target.why == "a number with 40 distinct values"
    assert label_task("rating", [str(i % 5) for i in range(40)]).classes == ["0", "1", "2", "3", "4"]
    assert label_task("churned", ["yes", "no"] * 30).task == "classification"
    forced = label_task("rating", [str(i % 5) for i in range(40)], task="regression")
    assert (forced.task, forced.why) == ("regression", "--task regression")


def test_regression_on_text_is_refused_in_one_line():
    with pytest.raises(UsageError, match="not a number in every row"):
        label_task("species", ["Adelie", "Gentoo"] * 20, task="regression")
    with pytest.raises(UsageError, match="--task regression"):
        label_classes("price", [str(i) for i in range(60)])


def test_a_numeric_column_of_huge_or_infinite_values_is_profiled_not_a_crash():
    from core.data.profile import profile_column
    huge = profile_column("amount", [f"{v}e200" for v in range(1, 40)] + ["1e308", "inf"])  # found by the CSV fuzzer
    assert huge.kind == "float" and huge.role in ("numeric", "bucketized")
    tail = profile_column("amount", [str(v) for v in [1] * 50 + [10 ** 6] * 2] + ["0.5"])  # skewness 4.9
    assert tail.role == "bucketized"  # the same skewness as before on ordinary numbers
