"""When the Trainer searches the trees' hyperparameters (`model.tune`), and what a search chose.

`model.tune` is `off`, `auto` or `every N` (retrains). A search runs inside the
Trainer's run_fn (models/tree_search.py) on the window's training rows; what it
chose is written into the model info file under INFO_KEY, copied onto the Model
artifact in ML Metadata, and read back from the serving model by the next
retrain, which reuses it without searching until the schedule calls for a new
search. `off` never searches but still reuses what an earlier search chose, so
turning the search off does not silently revert the serving lineage to the
defaults; with no earlier search, `off` trains exactly as before this existed.

`auto` searches when nothing was searched yet and then every AUTO_EVERY retrains:
by then a window of the default four spans holds none of the rows the last
search saw. Pure Python: `adapt watch` and the config loader import it.
"""
from dataclasses import asdict, dataclass, replace
from typing import Any, Dict, Mapping, Optional

from core.errors import ConfigError

INFO_KEY = "hyperparameters"   # in the model info file and as the Model artifact's custom property
TUNE_KEY, BUDGET_KEY = "tune", "tune_budget_seconds"   # the Trainer's custom_config keys (model.*)
TUNED_KINDS = ("gbt",)         # model kinds whose Trainer searches hyperparameters (the trees)
OFF, AUTO, EVERY = "off", "auto", "every"
AUTO_EVERY = 4


@dataclass(frozen=True)
class TuneSchedule:
    mode: str           # off | auto | every
    every: int = 0      # retrains between searches (auto: AUTO_EVERY)

    @classmethod
    def parse(cls, text: Any) -> "TuneSchedule":
        """`off`, `auto` or `every N` (N >= 1); a ConfigError naming model.tune otherwise."""
        words = str(text).strip().lower().split()
        if words == [OFF]:
            return cls(OFF)
        if words == [AUTO]:
            return cls(AUTO, AUTO_EVERY)
        if len(words) in (2, 3) and words[0] == EVERY and words[1].isdigit() and int(words[1]) >= 1 \
                and words[2:] in ([], ["retrains"], ["retrain"]):
            return cls(EVERY, int(words[1]))
        raise ConfigError(f"model.tune: must be off, auto or 'every N retrains' (N >= 1), got {text!r}")


@dataclass(frozen=True)
class ChosenHyperparameters:
    """What a search chose, and how: kept beside the model and reused by the retrains after it."""

    values: Dict[str, Any]                   # learner settings, e.g. {"max_depth": 4, "shrinkage": 0.1}
    searched: bool                           # True: this training ran the search; False: reused an earlier one
    retrains_since_search: int = 0           # 0 for the training that searched
    trials: int = 0                          # hyperparameter sets the search evaluated
    search_seconds: float = 0.0
    validation_rows: int = 0                 # the newest training rows the trials were scored on
    validation_loss: Optional[float] = None  # the chosen settings' loss there (log loss; a regressor's RMSE)
    default_loss: Optional[float] = None     # the default settings' loss on the same rows
    best_loss: Optional[float] = None        # the best trial's, kept or not (models/tree_search.py: Comparison)
    reason: str = ""                         # why the best trial's settings were kept or the defaults were

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "ChosenHyperparameters":
        known = {name: values[name] for name in cls.__dataclass_fields__ if name in values}
        return cls(**known)

    def reused(self) -> "ChosenHyperparameters":
        """The same values, as a retrain without a search records them."""
        return replace(self, values=dict(self.values), searched=False,
                       retrains_since_search=self.retrains_since_search + 1, search_seconds=0.0)


def previous_choice(model_info: Optional[Mapping[str, Any]]) -> Optional[ChosenHyperparameters]:
    """What the serving model's training chose or reused (its model info), None when it searched nothing."""
    recorded = (model_info or {}).get(INFO_KEY)
    return ChosenHyperparameters.from_dict(recorded) if recorded else None


def search_due(schedule: TuneSchedule, previous: Optional[ChosenHyperparameters]) -> bool:
    """Whether this training searches: never when off; else when nothing was searched yet, or when the
    serving model's hyperparameters were chosen `every` retrains ago (this training being the every-th)."""
    if schedule.mode == OFF:
        return False
    return previous is None or previous.retrains_since_search + 1 >= schedule.every
