"""The simulator and the search on tiny generated streams: a drifting one is tuned to retrain, a stable one to keep
its model, and the held-out figures come from the later batches alone."""
import pytest

from core.tuning.search import grid, search, split
from core.tuning.simulator import FixedSettings, PolicySetting, Simulator
from core.tuning.stream import read_stream
from tests.streams import covariate_shift_batches

SMALL_GRID = [PolicySetting("static"), PolicySetting("periodic", window=2),
              PolicySetting("triggered", window=2), PolicySetting("triggered", max_drop=0.1, window=1),
              PolicySetting("triggered", rule="tested_drop", false_alarm_rate=0.01, min_weighted_psi=0.1, window=2)]


def _simulator(tmp_path, shift: float, batches: int) -> Simulator:
    folders = covariate_shift_batches(tmp_path, batches=batches, rows=300, shift_per_batch=shift)
    stream = read_stream(folders, "bought")
    return Simulator(stream, FixedSettings(metric=stream.metric))


@pytest.fixture(scope="module")
def drifting(tmp_path_factory):
    return _simulator(tmp_path_factory.mktemp("drifting"), shift=0.8, batches=6)


def test_a_drifting_stream_is_tuned_to_retrain_and_beats_static_on_batches_it_did_not_choose_on(drifting):
    result = search(drifting, PolicySetting(window=2), SMALL_GRID, min_choosing=(0, 0))   # tiny: the guard off
    assert result.choosing == ("batch-02", "batch-03") and result.held_out == ("batch-04", "batch-05", "batch-06")
    assert result.chosen.setting.policy in ("triggered", "periodic")
    assert result.chosen.held_out_mean > result.static.held_out_mean + 0.05
    # the held-out figures are the later batches' alone: the choosing batches never enter them
    later = [o for o in result.chosen.trajectory.outcomes if o.batch in result.held_out]
    assert result.chosen.held_out_mean == pytest.approx(sum(o.metric for o in later) / len(later))
    assert result.chosen.held_out_retrains == sum(o.retrained for o in later)


def test_models_are_trained_once_per_window_whatever_setting_asks(drifting):
    drifting.run(PolicySetting("periodic", window=2))
    trained = drifting.models_trained
    again = drifting.run(PolicySetting("periodic", window=2, confidence=0.9))
    assert drifting.models_trained == trained   # the same windows: no new model
    assert all(o.span for o in again.outcomes) and all(o.retrained for o in again.outcomes)
    assert not any(o.retrained for o in drifting.run(PolicySetting("static")).outcomes)


def test_a_stable_stream_keeps_its_model(tmp_path):
    result = search(_simulator(tmp_path, shift=0.0, batches=5), PolicySetting(window=2), SMALL_GRID,
                    min_choosing=(0, 0))
    assert result.chosen.choosing_retrains + result.chosen.held_out_retrains <= 1
    assert result.default.held_out_retrains <= 1   # the rules do not fire on noise
    assert abs(result.chosen.held_out_mean - result.periodic.held_out_mean) < 0.03


def test_the_split_chooses_on_the_earlier_batches_and_the_grid_spans_every_policy():
    assert split(["b1", "b2", "b3", "b4", "b5", "b6", "b7"]) == (("b2", "b3", "b4"), ("b5", "b6", "b7"))
    with pytest.raises(ValueError, match="at least 3"):
        split(["b1", "b2"])
    settings = grid()
    assert {s.policy for s in settings} == {"static", "periodic", "triggered"} and len(set(settings)) == len(settings)
    assert len(grid(economics=True)) > len(settings)
    assert PolicySetting("static").overrides() == {"retraining.policy": "static"}


class _Replayed:
    """A simulator whose settings score as given: {setting: [(metric, retrained) per batch after the first]}."""

    def __init__(self, scores):
        from types import SimpleNamespace
        self.scores, self.models_trained = scores, 0
        self.stream = SimpleNamespace(names=[f"b{i}" for i in range(1, len(next(iter(scores.values()))) + 2)])
        self.fixed = SimpleNamespace(metric="accuracy", economics=SimpleNamespace(enabled=False))

    def run(self, setting):
        from types import SimpleNamespace
        from core.tuning.simulator import Trajectory
        return Trajectory(setting, tuple(SimpleNamespace(batch=f"b{i}", metric=metric, retrained=retrained,
                                                          spread=0.4, rows=400)
                                         for i, (metric, retrained) in enumerate(self.scores[setting], start=2)))


def test_the_default_stays_unless_the_best_beats_it_beyond_one_standard_error():
    default, lucky = PolicySetting(window=2), PolicySetting("triggered", max_drop=0.1, window=1)
    scores = {default: [(0.80, 0), (0.80, 0), (0.80, 0), (0.80, 0)],
              PolicySetting("periodic", window=2): [(0.80, 1)] * 4, PolicySetting("static"): [(0.79, 0)] * 4,
              lucky: [(0.81, 0), (0.81, 0), (0.70, 0), (0.70, 0)]}   # one standard error is 0.4/sqrt(400)/sqrt(2)
    assert search(_Replayed(scores), default, [lucky], min_choosing=(2, 0)).chosen.setting == default
    scores[lucky] = [(0.86, 0), (0.86, 0), (0.70, 0), (0.70, 0)]
    assert search(_Replayed(scores), default, [lucky], min_choosing=(2, 0)).chosen.setting == lucky


def test_too_few_choosing_batches_or_rows_keep_the_default_and_say_so():
    default, lucky = PolicySetting(window=2), PolicySetting("static")
    scores = {default: [(0.70, 1)] * 6, PolicySetting("periodic", window=2): [(0.70, 1)] * 6,
              lucky: [(0.90, 0)] * 6}   # far beyond one standard error on every batch
    few = search(_Replayed(scores), default, [lucky], choose_share=2 / 6)   # 2 choosing batches, under 3
    assert few.chosen.setting == default and few.choosing == ("b2", "b3")
    assert few.kept.startswith("2 choosing batch(es) of 800 rows, under the 3 batches and 2,000 rows a choice "
                               "needs: the workspace's own setting is kept") and "static" in few.kept
    assert few.to_dict()["kept"] == few.kept
    small = search(_Replayed(scores), default, [lucky], choose_share=4 / 6)   # 4 batches, but 1,600 rows
    assert small.chosen.setting == default and small.kept.startswith("4 choosing batch(es) of 1,600 rows")
    enough = search(_Replayed(scores), default, [lucky], choose_share=4 / 6, min_choosing=(3, 1600))
    assert enough.chosen.setting == lucky and not enough.kept and "kept" not in enough.to_dict()
