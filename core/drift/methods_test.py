"""Each drift method against its exact reference on the raw rows (scipy), and the registry's shape."""
import numpy as np
import pandas as pd
import pytest
import tensorflow_data_validation as tfdv
from scipy import stats

import core  # noqa: F401
from core.drift import distributions, methods
from core.drift.settings import CATEGORICAL, NUMERIC, TESTS
from core.drift.statistics import stats_options


def _distribution(values, categorical=False):
    frame = pd.DataFrame({"x": values})
    statistics = tfdv.generate_statistics_from_dataframe(frame, stats_options(["x"] if categorical else []))
    return distributions.features_of(statistics)["x"]


@pytest.mark.parametrize("size", [200, 2000, 50000])
def test_ks_on_sketches_agrees_with_scipy_on_the_raw_rows(size):
    rng = np.random.default_rng(size)
    before, after = rng.normal(size=size), rng.normal(size=size) + 0.1
    measured = methods.KolmogorovSmirnov(_distribution(before)).measure(_distribution(after))
    exact = stats.ks_2samp(before, after)
    assert measured.value == pytest.approx(exact.statistic, abs=0.01)
    assert measured.value <= exact.statistic + 1e-3  # what the sketches guarantee: never larger
    # Never more confident than the raw rows allow (no extra false alarm), and most of their evidence kept.
    assert measured.p_value >= 0.5 * exact.pvalue
    if exact.pvalue < 1e-3:
        assert np.log10(measured.p_value) <= 0.7 * np.log10(exact.pvalue)


def test_ks_of_one_sample_against_itself_is_zero_and_of_disjoint_samples_one():
    values = np.linspace(0, 1, 500)
    same = methods.KolmogorovSmirnov(_distribution(values)).measure(_distribution(values))
    apart = methods.KolmogorovSmirnov(_distribution(values)).measure(_distribution(values + 10))
    assert same.value == pytest.approx(0.0, abs=1e-9) and same.p_value == pytest.approx(1.0)
    assert apart.value == pytest.approx(1.0) and apart.p_value < 1e-100


def test_chi2_on_counts_is_scipys_test_on_the_same_table():
    rng = np.random.default_rng(1)
    before = rng.choice(list("abcd"), p=[0.4, 0.3, 0.2, 0.1], size=3000)
    after = rng.choice(list("abcd"), p=[0.35, 0.3, 0.2, 0.15], size=1000)
    measured = methods.ChiSquare(_distribution(before)).measure(_distribution(after))
    table = [[np.sum(before == v) for v in "abcd"], [np.sum(after == v) for v in "abcd"]]
    statistic, p_value, _, _ = stats.chi2_contingency(table, correction=False)
    assert measured.value == pytest.approx(statistic) and measured.p_value == pytest.approx(p_value)


def test_chi2_pools_categories_too_rare_for_its_approximation():
    before = distributions.Categorical({"a": 500, "b": 480, "c": 2, "d": 1})
    after = distributions.Categorical({"a": 100, "b": 95, "e": 1})
    table = methods.contingency(before, after)
    assert table.shape == (2, 2)  # c, d, e pooled, still too rare alone: joined to the smaller of a and b
    assert table.sum() == 500 + 480 + 2 + 1 + 100 + 95 + 1
    assert methods.ChiSquare(before).measure(after).p_value > 0.05


def test_a_new_category_with_many_rows_is_drift():
    before = distributions.Categorical({"a": 600, "b": 400})
    after = distributions.Categorical({"a": 300, "b": 200, "new": 100})
    assert methods.ChiSquare(before).measure(after).p_value < 1e-10


def test_the_registry_holds_one_class_per_kind_and_key_and_the_settings_name_its_tests():
    assert methods.keys(NUMERIC, tests=True) == list(TESTS[NUMERIC])
    assert methods.keys(CATEGORICAL, tests=True) == list(TESTS[CATEGORICAL])
    assert set(methods.keys(NUMERIC, tests=False)) == {"psi", "kl", "js", "wasserstein"}
    assert set(methods.keys(CATEGORICAL, tests=False)) == {"psi", "linf"}
    with pytest.raises(ValueError, match="no numeric drift method 'chi2'"):
        methods.method_class(NUMERIC, "chi2")
