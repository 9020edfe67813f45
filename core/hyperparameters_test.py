import pytest

from core.config import Config
from core.errors import ConfigError
from core.hyperparameters import AUTO_EVERY, ChosenHyperparameters, TuneSchedule, previous_choice, search_due


def test_model_tune_reads_off_auto_and_every_n_retrains_and_refuses_the_rest():
    assert TuneSchedule.parse("off") == TuneSchedule("off")
    assert TuneSchedule.parse("auto") == TuneSchedule("auto", AUTO_EVERY)
    assert TuneSchedule.parse("every 3 retrains") == TuneSchedule.parse("every 3") == TuneSchedule("every", 3)
    for wrong in ("sometimes", "every 0", "every three", "every 2 days"):
        with pytest.raises(ConfigError, match="model.tune"):
            TuneSchedule.parse(wrong)
    assert Config.from_dict({"model": {"tune": "every 2 retrains"}}).model.tune == "every 2 retrains"
    assert Config().model.tune == "off"
    with pytest.raises(ConfigError, match="model.tune"):
        Config.from_dict({"model": {"tune": "always"}})


def test_a_search_is_due_first_then_every_n_retrains_and_never_when_off():
    searched = ChosenHyperparameters(values={"max_depth": 4}, searched=True, trials=9)
    assert search_due(TuneSchedule.parse("auto"), None) and search_due(TuneSchedule.parse("every 2"), None)
    assert not search_due(TuneSchedule.parse("off"), None)
    once_reused = searched.reused()
    assert once_reused.values == {"max_depth": 4} and not once_reused.searched
    assert once_reused.retrains_since_search == 1 and once_reused.search_seconds == 0.0
    assert not search_due(TuneSchedule.parse("every 2"), searched)      # the first retrain after it reuses
    assert search_due(TuneSchedule.parse("every 2"), once_reused)       # the second searches again
    assert not search_due(TuneSchedule.parse("off"), once_reused.reused().reused())
    assert previous_choice({"hyperparameters": once_reused.to_dict()}) == once_reused
    assert previous_choice({"label": "y"}) is None and previous_choice(None) is None
