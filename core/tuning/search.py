"""The search: which retraining setting would have served this history best, judged on batches it did not see.

Honest in time. The batches after the first (the first trains the first model) are cut in two: the earlier part
CHOOSES, the later part REPORTS. Every setting is replayed over the whole stream, as it would have run, but its
choice looks only at the earlier batches, whose replay no later batch can touch. The chosen setting, the
workspace's own (default) setting, `periodic` and `static` are then scored on the later batches alone.

The objective, on the choosing batches: the mean metric (an error metric negated, so higher is better) minus
a retrain penalty,

    objective = mean - standard error x retrains / batches

where the standard error is that of the default setting's mean over the choosing batches (from each batch's
rows and per-row spread). Retraining on every batch must buy at least one standard error of the metric: a gain
inside the noise never pays for retrains. Ties go to fewer retrains, then to the setting closest to the
workspace's own. And the workspace's own setting stays unless the best beats it by more than that standard error
as well: with a few choosing batches, the best of a few hundred settings is partly the luckiest, and its lead
over the default inside the noise is no evidence (on the 4 and 2 choosing batches of digits and diabetes it lost
to the default on the batches after).

That standard error counts the rows' noise, not the batches': on a stream whose batches differ (a table sorted by
a column), one choosing batch can favour a setting by several standard errors by its own make-up. Below
MIN_CHOOSING_BATCHES choosing batches or MIN_CHOOSING_ROWS rows in them the workspace's own setting is therefore
kept whatever the scores, and the result says so (`kept`). Both measured across the benchmark's streams, the
choosing part cut after 1 to 10 batches (benchmarks/results/tune.md): of the choices made on 3 or more batches
of 4,500 or more rows in all, 22 beat the default on the batches after (by 0.5 to 11.8 points) and two lost
(covariate's by 0.67 points on a single batch after, taxi's by 0.28 on seven); every choice made on fewer than
1,000 rows (diabetes' 74-row batches, 2 to 4 of them; digits' 4 of 225 before the one-standard-error guard) lost
to it; 2,000 lies in that gap.

The grid is fixed, the same for every stream (never fitted to one): around the defaults measured across
generated and bundled streams, one step below and above each.
"""
import itertools
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from core.metrics import LOWER_IS_BETTER
from core.tuning.simulator import PolicySetting, Simulator, Trajectory

WINDOWS = (1, 2, 4, 8)            # a single span (fast drift) ... twice the default (stable data: more rows)
CONFIDENCES = (0.0, 0.9)          # push on the point estimate, or only a gain proven at 90 % (promotion_confidence)
RULES = ("relative_drop", "tested_drop")
MAX_DROPS = (0.02, 0.05, 0.1)     # the default 5 %, half and double
FALSE_ALARM_RATES = (0.01, 0.05)  # the default and a stricter one (real streams drift beyond chance on every batch)
MIN_WEIGHTED_PSIS = (0.0, 0.02, 0.1)
GAIN_BATCHES = (0, 1, 8)          # economics: a retrain's gain lasts the window (0), one batch, or long
MIN_CHOOSING_BATCHES = 3          # fewer, or fewer rows than the next, and the default stays (see the module)
MIN_CHOOSING_ROWS = 2000


def grid(economics: bool = False) -> List[PolicySetting]:
    """Every setting the search replays: static, periodic by window and confidence, and triggered by its rules."""
    settings = [PolicySetting("static")]
    settings += [PolicySetting("periodic", window=w, confidence=c) for w in WINDOWS for c in CONFIDENCES]
    gains = GAIN_BATCHES if economics else (0,)
    settings += [PolicySetting("triggered", rule, drop, rate, psi, window, confidence, gain)
                 for rule, drop, rate, psi, window, confidence, gain in itertools.product(
                     RULES, MAX_DROPS, FALSE_ALARM_RATES, MIN_WEIGHTED_PSIS, WINDOWS, CONFIDENCES, gains)]
    return settings


def default_setting(config) -> PolicySetting:
    """The workspace's own setting (`training.window: auto` as its largest numbered candidate)."""
    return PolicySetting(config.retraining.policy, config.performance.rule, config.performance.max_drop,
                         config.drift.false_alarm_rate, config.drift.min_weighted_psi, config.compiled_window(),
                         config.validation.confidence, config.economics.gain_batches)


def split(names: Sequence[str], choose_share: float = 0.5) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """(choosing, held-out) batches: the earlier `choose_share` of the batches after the first, and the rest."""
    scored = tuple(names[1:])
    if len(scored) < 2:
        raise ValueError(f"{len(names)} batches: tuning needs at least 3 (a first model, one batch to choose on "
                         f"and one to report on)")
    cut = min(max(1, round(len(scored) * choose_share)), len(scored) - 1)
    return scored[:cut], scored[cut:]


@dataclass(frozen=True)
class Scored:
    setting: PolicySetting
    choosing_mean: float
    choosing_retrains: int
    held_out_mean: float
    held_out_retrains: int
    objective: float
    trajectory: Trajectory = field(compare=False, repr=False)

    def to_dict(self, economics: bool = False) -> Dict:
        return {"setting": self.setting.describe(), "keys": self.setting.overrides(economics),
                "choosing_mean": round(self.choosing_mean, 6), "choosing_retrains": self.choosing_retrains,
                "held_out_mean": round(self.held_out_mean, 6), "held_out_retrains": self.held_out_retrains,
                "objective": round(self.objective, 6)}


@dataclass(frozen=True)
class TuningResult:
    metric: str
    choosing: Tuple[str, ...]
    held_out: Tuple[str, ...]
    penalty: float                 # the objective's price of retraining on every batch (one standard error)
    chosen: Scored
    default: Scored
    periodic: Scored
    static: Scored
    scored: Tuple[Scored, ...]     # every setting of the grid
    models_trained: int
    seconds: float
    economics: bool = False
    kept: str = ""                 # why the workspace's own setting was kept without a choice ("": it was chosen)

    @property
    def lower_is_better(self) -> bool:
        return self.metric in LOWER_IS_BETTER

    def compared(self) -> List[Tuple[str, Scored]]:
        return [("tuned", self.chosen), ("default", self.default), ("periodic", self.periodic),
                ("static", self.static)]

    def pareto(self) -> List[Scored]:
        """The settings no other beats on the choosing batches with as few retrains or fewer."""
        sign = -1 if self.lower_is_better else 1
        front, best = [], None
        for item in sorted(self.scored, key=lambda s: (s.choosing_retrains, -sign * s.choosing_mean)):
            if best is None or sign * item.choosing_mean > best:
                front.append(item)
                best = sign * item.choosing_mean
        return front

    def to_dict(self) -> Dict:
        return {"metric": self.metric, "choosing_batches": list(self.choosing),
                "held_out_batches": list(self.held_out), "retrain_penalty": round(self.penalty, 6),
                **{name: scored.to_dict(self.economics) for name, scored in self.compared()},
                "settings_searched": len(self.scored), "models_trained": self.models_trained,
                "seconds": round(self.seconds, 1), **({"kept": self.kept} if self.kept else {})}


def search(simulator: Simulator, default: PolicySetting, settings: Optional[Sequence[PolicySetting]] = None,
           choose_share: float = 0.5, progress: Optional[Callable[[int, int], None]] = None,
           min_choosing: Tuple[int, int] = (MIN_CHOOSING_BATCHES, MIN_CHOOSING_ROWS)) -> TuningResult:
    """Replays every setting over the simulator's stream and chooses on the earlier batches (see the module)."""
    started = time.perf_counter()
    economics = simulator.fixed.economics.enabled
    settings = list(settings if settings is not None else grid(economics))
    periodic = PolicySetting("periodic", window=default.window, confidence=default.confidence)
    static = PolicySetting("static")
    named = [default, periodic, static]
    todo = named + [s for s in settings if s not in named]
    choosing, held_out = split(simulator.stream.names, choose_share)
    trajectories = []
    for done, setting in enumerate(todo, start=1):
        trajectories.append(simulator.run(setting))
        if progress:
            progress(done, len(todo))
    sign = -1.0 if simulator.fixed.metric in LOWER_IS_BETTER else 1.0
    penalty = trajectories[0].standard_error(choosing)

    def score(trajectory: Trajectory) -> Scored:
        mean, retrains = trajectory.mean(choosing), trajectory.retrains(choosing)
        return Scored(trajectory.setting, mean, retrains, trajectory.mean(held_out), trajectory.retrains(held_out),
                      sign * mean - penalty * retrains / len(choosing), trajectory)

    scored = [score(t) for t in trajectories]
    defaults = default.overrides(economics)

    def changes(item: Scored) -> int:
        return sum(defaults.get(k) != v for k, v in item.setting.overrides(economics).items())

    best = max(scored, key=lambda s: (round(s.objective, 9), -s.choosing_retrains, -changes(s)))
    chosen = best if best.objective > scored[0].objective + penalty else scored[0]
    kept, rows = "", sum(o.rows for o in trajectories[0].part(choosing))
    if len(choosing) < min_choosing[0] or rows < min_choosing[1]:
        chosen = scored[0]
        kept = (f"{len(choosing)} choosing batch(es) of {rows:,} rows, under the {min_choosing[0]} batches and "
                f"{min_choosing[1]:,} rows a choice needs: the workspace's own setting is kept (the search's best "
                f"there: {best.setting.describe()})")
    return TuningResult(simulator.fixed.metric, choosing, held_out, penalty, chosen, scored[0], scored[1], scored[2],
                        tuple(scored), simulator.models_trained, time.perf_counter() - started, economics, kept)
