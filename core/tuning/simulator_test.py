"""The simulator applies the gain-of-more-data rule as SpanPreparator does: a stream with no drift whose first batch
is small retrains on more data, and without the rule it never retrains."""
import pytest

from core.learning_curve import OUT_OF_FOLD
from core.policy.more_data import MoreDataSettings
from core.tuning.simulator import FixedSettings, PolicySetting, Simulator
from core.tuning.stream import read_stream
from tests.streams import covariate_shift_batches

FIRST_ROWS = 400


@pytest.fixture(scope="module")
def small_first(tmp_path_factory):
    """One law throughout (no shift), a first batch of 400 rows, then one of 800."""
    folders = covariate_shift_batches(tmp_path_factory.mktemp("small-first"), batches=2, rows=800,
                                      shift_per_batch=0.0)
    first = folders[0] / "data.csv"
    first.write_text("\n".join(first.read_text().splitlines()[:FIRST_ROWS + 1]) + "\n")
    return read_stream(folders, "bought")


def test_a_stable_stream_whose_first_batch_is_small_retrains_on_more_data(small_first):
    simulator = Simulator(small_first, FixedSettings(metric=small_first.metric))
    outcomes = simulator.run(PolicySetting("triggered", window=4)).outcomes
    assert outcomes[0].retrained and outcomes[0].pushed
    assert outcomes[0].reason.startswith("more data: the window would hold ")
    curve = simulator.curve(simulator.model((0,)))
    assert curve.scored_on == OUT_OF_FOLD and curve.training_rows == simulator.model((0,)).train_rows
    assert 0.5 < curve.points[0].value <= curve.points[1].value <= 1.0 and curve.paired_se > 0


def test_without_the_rule_nothing_fires_on_the_same_stream(small_first):
    off = FixedSettings(metric=small_first.metric, more_data=MoreDataSettings(enabled=False))
    outcomes = Simulator(small_first, off).run(PolicySetting("triggered", window=4)).outcomes
    assert not outcomes[0].retrained and "more data" not in outcomes[0].reason
