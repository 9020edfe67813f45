"""The pipeline's retraining loop in memory: one policy setting replayed over a stream in a fraction of a second.

What stays the pipeline's: the learner (YDF gradient-boosted trees with the Trainer's settings, core/trees.py)
trained on a window of spans' train splits; its SUM_SCORE importances; the drift rule (core/drift/comparison.py
on TFDV statistics: the batch against the serving model's training spans); the performance rule and the policy
(core/policy), with the gain-of-more-data rule on the serving model's learning curve measured as the Trainer
measures it (core/tuning/curve.py), only when the window holds enough rows for the rule to look; a span made only
when the policy says so, the window the last K spans; the Evaluator's promotion
(core/promotion.py on the newest span's test split topped up to validation.min_holdout_rows); the memory of a
declined candidate. What is left out: Transform (trees take the values as they are), calibration and the
estimate (every batch here has its labels).

A model is trained once per window and answers each batch once, whatever setting asks: most settings share their
windows, which is what makes a search over hundreds of settings fast.
"""
from dataclasses import dataclass, replace
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np
import pandas as pd

from core.drift import comparison
from core.drift.settings import DriftSettings
from core.learning_curve import LearningCurve
from core.metrics import LOWER_IS_BETTER
from core.policy.economics import Economics, PricingInputs, RetrainRecord
from core.policy.evidence import DriftFinding, Evidence, PerformanceFinding
from core.policy.memory import Memory
from core.policy.more_data import MoreDataFinding, MoreDataSettings, below_ratio, judge as judge_more_data, window_rows
from core.policy.policies import POLICIES, PolicySettings
from core.policy.rules import BatchScores, PerformanceSettings, judge, relative_drop
from core.promotion import paired_gain
from core.tuning import curve as learning_curve
from core.tuning.stream import Stream

Window = Tuple[int, ...]   # the stream's batch indices whose train splits a model learned from
LABEL_COLUMN = "__label__"


@dataclass(frozen=True)
class PolicySetting:
    """One point of the search: the adapt.yaml keys a retraining policy is made of."""

    policy: str = "triggered"
    rule: str = "relative_drop"        # performance.rule
    max_drop: float = 0.05             # performance.max_drop
    false_alarm_rate: float = 0.05     # drift.false_alarm_rate (the tested performance rule's too)
    min_weighted_psi: float = 0.02     # drift.min_weighted_psi
    window: int = 4                    # training.window
    confidence: float = 0.0            # validation.confidence
    gain_batches: int = 0              # economics.gain_batches (searched only when economics: prices retrains)

    def overrides(self, economics: bool = False) -> Dict[str, Any]:
        """The dotted adapt.yaml keys this setting sets (the rule's keys only where the policy reads them)."""
        if self.policy == "static":
            return {"retraining.policy": self.policy}
        keys = {"retraining.policy": self.policy, "training.window": self.window,
                "validation.confidence": self.confidence}
        if self.policy == "triggered":
            keys.update({"performance.rule": self.rule, "performance.max_drop": self.max_drop,
                         "drift.false_alarm_rate": self.false_alarm_rate,
                         "drift.min_weighted_psi": self.min_weighted_psi})
            if economics:
                keys["economics.gain_batches"] = self.gain_batches
        return keys

    def describe(self) -> str:
        if self.policy == "static":
            return "static"
        said = f"{self.policy}, window {self.window}, confidence {self.confidence:g}"
        if self.policy == "triggered":
            said += (f", {self.rule} {self.max_drop:g}, false alarms {self.false_alarm_rate:g}, "
                     f"weighted PSI {self.min_weighted_psi:g}")
        return said + (f", gain lasts {self.gain_batches or 'the window'} batch(es)" if self.gain_batches else "")


@dataclass(frozen=True)
class FixedSettings:
    """What the search does not vary: the rest of the workspace's configuration the loop reads."""

    metric: str = "accuracy"
    threshold: float = 0.0                 # performance.threshold
    min_importance: float = 0.1            # drift.min_importance
    drift: DriftSettings = DriftSettings(distances=[])   # methods; the distances reported beside them are not needed
    min_holdout_rows: int = 300
    min_accuracy: float = 0.6
    max_accuracy_drop: float = 0.0
    min_gain: float = 0.0
    spans_after_decline: int = 2
    economics: Economics = Economics()
    retrain_seconds: float = 60.0          # a retrain's compute, for economics without retrain_seconds of its own
    more_data: MoreDataSettings = MoreDataSettings()   # retraining.more_data (on by default, as adapt.yaml's)

    @classmethod
    def from_config(cls, config, metric: str) -> "FixedSettings":
        drift = replace(config.drift_settings(), distances=[])
        return cls(metric=metric, threshold=config.performance.threshold, min_importance=drift.min_importance,
                   drift=drift, min_holdout_rows=config.validation.min_holdout_rows,
                   min_accuracy=config.validation.min_accuracy,
                   max_accuracy_drop=config.validation.max_accuracy_drop, min_gain=config.validation.min_gain,
                   spans_after_decline=config.retraining.spans_after_decline, economics=config.economics,
                   more_data=config.retraining.more_data)


@dataclass(frozen=True)
class BatchOutcome:
    batch: str
    metric: float          # the serving model's on every row, before any retraining on the batch
    rows: int
    spread: float          # the per-row score's standard deviation: how noisy `metric` is
    span: bool
    retrained: bool        # a candidate was trained
    pushed: bool
    reason: str


@dataclass(frozen=True)
class Trajectory:
    setting: PolicySetting
    outcomes: Tuple[BatchOutcome, ...]   # the stream's batches after the first, in order

    def part(self, names) -> Tuple[BatchOutcome, ...]:
        chosen = set(names)
        return tuple(o for o in self.outcomes if o.batch in chosen)

    def mean(self, names) -> float:
        return float(np.mean([o.metric for o in self.part(names)]))

    def retrains(self, names) -> int:
        return sum(o.retrained for o in self.part(names))

    def standard_error(self, names) -> float:
        """Of the mean of the batches' metrics, from each batch's per-row spread."""
        part = self.part(names)
        return float(np.sqrt(sum(o.spread ** 2 / max(o.rows, 1) for o in part)) / max(len(part), 1))


@dataclass(frozen=True)
class TrainedModel:
    window: Window
    importances: Dict[str, float]
    row_scores: Dict[int, np.ndarray]   # batch index -> per row: right (1/0), or an error metric's |error|
    train_rows: int = 0                 # the rows it was grown on


class Simulator:
    """Replays settings over one stream; models, their answers, drift tables and promotions are cached."""

    def __init__(self, stream: Stream, fixed: FixedSettings, seed: int = 42):
        self.stream, self.fixed, self.seed = stream, fixed, seed
        self._models: Dict[Window, TrainedModel] = {}
        self._drift: Dict[Tuple[Window, int, float], List[Dict]] = {}
        self._promotions: Dict[Tuple[Window, Window, float], Any] = {}
        self._curves: Dict[Window, Optional[LearningCurve]] = {}

    @property
    def models_trained(self) -> int:
        return len(self._models)

    # -- the learner -------------------------------------------------------------------------------------------
    def model(self, window: Window) -> TrainedModel:
        if window not in self._models:
            self._models[window] = self._train(window)
        return self._models[window]

    def _columns(self, frame: pd.DataFrame) -> Dict[str, np.ndarray]:
        columns = {}
        for name in self.stream.model_features:
            values = frame[name]
            if name in self.stream.categorical:
                columns[name] = np.array(["" if pd.isna(v) else str(v) for v in values])
            else:
                columns[name] = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
        return columns

    def _rows(self, window: Window, test: bool) -> Tuple[Dict[str, np.ndarray], np.ndarray]:
        """(columns, labels) of the window's batches' train rows (or test rows)."""
        batches = [self.stream.batches[i] for i in window]
        frame = pd.concat([b.features[b.test == test] for b in batches], ignore_index=True)
        return self._columns(frame), np.concatenate([b.labels[b.test == test] for b in batches])

    def _grow(self, columns: Dict[str, np.ndarray], labels: np.ndarray):
        from core.trees import ydf_learner
        learner = ydf_learner(LABEL_COLUMN, self.stream.categorical, self.stream.regression, self.seed)
        return learner.train({**columns, LABEL_COLUMN: labels}, verbose=0)

    def _scores(self, model, columns: Dict[str, np.ndarray], labels: np.ndarray) -> np.ndarray:
        """Per row: right (1/0), or a regression model's |error|."""
        if self.stream.regression:
            found = np.abs(np.asarray(model.predict(columns), dtype=float) - labels)
        else:
            found = np.asarray(model.predict_class(columns)).astype(str) == labels
        return found.astype(np.float32)

    def _train(self, window: Window) -> TrainedModel:
        from core.importance import shares
        from core.trees import IMPORTANCE
        columns, labels = self._rows(window, test=False)
        model = self._grow(columns, labels)
        importances = shares({name: score for score, name in model.variable_importances().get(IMPORTANCE, [])})
        scores = {index: self._scores(model, self._columns(batch.features), batch.labels)   # holdouts may reach
                  for index, batch in enumerate(self.stream.batches)}                       # back before the window
        return TrainedModel(window, importances, scores, len(labels))

    def curve(self, model: TrainedModel) -> Optional[LearningCurve]:
        """The model's learning curve as its Trainer would record it (None: too few rows to measure one)."""
        if model.window not in self._curves:
            def grow(columns, labels):
                forest = self._grow(columns, labels)
                return lambda answered, truth: self._scores(forest, answered, truth)
            scores = np.concatenate([model.row_scores[i][self.stream.batches[i].test] for i in model.window])
            self._curves[model.window] = learning_curve.measure(
                self.fixed.metric, grow, self._rows(model.window, test=False), self._rows(model.window, test=True),
                scores, self.stream.regression, self.seed)
        return self._curves[model.window]

    # -- the Evaluator -----------------------------------------------------------------------------------------
    def holdout_batches(self, window: Window) -> List[int]:
        """The newest span's test split, topped up from the window's earlier spans, newest first."""
        picked, rows = [], 0
        for index in reversed(window):
            picked.append(index)
            rows += int(self.stream.batches[index].test.sum())
            if rows >= self.fixed.min_holdout_rows:
                break
        return picked

    def holdout_scores(self, model: TrainedModel, window: Window) -> np.ndarray:
        return np.concatenate([model.row_scores[i][self.stream.batches[i].test] for i in self.holdout_batches(window)])

    def reference(self, model: TrainedModel) -> Tuple[float, int]:
        """(the model's metric on its own holdout, its rows): what the performance rule measures drops from."""
        scores = self.holdout_scores(model, model.window)
        return float(scores.mean()), len(scores)

    def promotion(self, candidate: Window, serving: Window, confidence: float):
        key = (candidate, serving, confidence)
        if key not in self._promotions:
            new, old = self.model(candidate), self.model(serving)
            new_scores, old_scores = self.holdout_scores(new, candidate), self.holdout_scores(old, candidate)
            sign = -1.0 if self.fixed.metric in LOWER_IS_BETTER else 1.0   # an error: less is right
            found = paired_gain(sign * new_scores, sign * old_scores, confidence or 0.9, self.fixed.min_gain,
                                self.fixed.metric, decides=confidence > 0,
                                max_drop=0.0 if sign < 0 else self.fixed.max_accuracy_drop)
            below_floor = sign > 0 and new_scores.mean() < self.fixed.min_accuracy
            self._promotions[key] = (found, below_floor)
        return self._promotions[key]

    # -- the rules ---------------------------------------------------------------------------------------------
    def drift_finding(self, model: TrainedModel, index: int, setting: PolicySetting) -> DriftFinding:
        settings = replace(self.fixed.drift, false_alarm_rate=setting.false_alarm_rate,
                           min_weighted_psi=setting.min_weighted_psi)
        key = (model.window, index, setting.false_alarm_rate)
        if key not in self._drift:
            baseline = _merged([self.stream.distributions(i, "train") for i in model.window])
            self._drift[key] = comparison.drift_table(baseline, self.stream.distributions(index, "all"), settings,
                                                      model.importances or None, self.stream.drift_exclude)
        rows = self._drift[key]
        verdict = comparison.decision(rows, settings)
        return DriftFinding(verdict["drifted"], comparison.reason(rows, verdict, settings),
                            tuple(verdict["drifted_features"]), verdict["weighted_psi"], settings.min_weighted_psi)

    def more_data_finding(self, model: TrainedModel, spans: List[int], index: int,
                          setting: PolicySetting) -> MoreDataFinding:
        """The gain-of-more-data rule on the window a retrain would take now: batch `index` and the spans before it
        (`spans`: their batch indices), as SpanPreparator counts it; the curve is measured only when it is read."""
        settings = self.fixed.more_data
        if not settings.enabled:
            return MoreDataFinding()
        train_rows = {number: int((~self.stream.batches[i].test).sum()) for number, i in enumerate(spans, start=1)}
        rows = window_rows(train_rows, len(spans) + 1, setting.window,
                           int((~self.stream.batches[index].test).sum()))
        return below_ratio(model.train_rows, rows, settings) or judge_more_data(
            self.curve(model), rows, settings, setting.false_alarm_rate)

    def performance_finding(self, value: float, rows: int, spread: float, reference: Tuple[float, int],
                            setting: PolicySetting) -> PerformanceFinding:
        metric = self.fixed.metric
        settings = PerformanceSettings(metric, threshold=self.fixed.threshold, reference=reference[0],
                                       max_drop=setting.max_drop, rule=setting.rule, reference_rows=reference[1],
                                       false_alarm_rate=setting.false_alarm_rate)
        verdict = judge(BatchScores({metric: value}, {}, labeled=True, rows=rows, spreads={metric: spread}),
                        settings)
        return PerformanceFinding(verdict.retrain, verdict.reason, relative_drop(value, reference[0], metric),
                                  labeled=True, reference=reference[0])

    # -- the loop ----------------------------------------------------------------------------------------------
    def run(self, setting: PolicySetting) -> Trajectory:
        economics = replace(self.fixed.economics, gain_batches=setting.gain_batches or
                            self.fixed.economics.gain_batches)
        policy = POLICIES.get(setting.policy)(PolicySettings(self.fixed.spans_after_decline, setting.max_drop,
                                                             economics))
        spans: List[int] = [0]
        serving: Window = (0,)
        declined, gains, outcomes = Memory(), [], []
        for index in range(1, len(self.stream.batches)):
            batch, model = self.stream.batches[index], self.model(serving)
            scores = model.row_scores[index]
            value, spread = float(scores.mean()), float(scores.std())
            performance, drift, more_data = PerformanceFinding(None, ""), DriftFinding(False, ""), MoreDataFinding()
            if policy.reads_evidence:
                performance = self.performance_finding(value, batch.rows, spread, self.reference(model), setting)
                drift = self.drift_finding(model, index, setting)
                more_data = self.more_data_finding(model, spans, index, setting)
            record = RetrainRecord((economics.retrain_seconds or self.fixed.retrain_seconds,) * len(gains),
                                   tuple(gains))
            decision = policy.decide(Evidence(performance, drift, next_span=len(spans) + 1, declined=declined,
                                              pricing=PricingInputs(batch.rows, setting.window, record=record),
                                              more_data=more_data))
            pushed = False
            if decision.span:
                spans.append(index)
            if decision.train:
                window = tuple(spans[-setting.window:])
                found, below_floor = self.promotion(window, serving, setting.confidence)
                gains.append(found.gain)
                if found.declines or below_floor:
                    declined = Memory.declined(len(spans), decision.grounds)
                else:
                    serving, declined, pushed = window, Memory(), True
            outcomes.append(BatchOutcome(batch.name, value, batch.rows, spread, decision.span, decision.train,
                                         pushed, decision.reason))
        return Trajectory(setting, tuple(outcomes))


def _merged(parts: List[Mapping[str, object]]) -> Dict[str, object]:
    """The distributions of several spans as one baseline (features described alike in every one)."""
    from core.drift import distributions, methods
    merged = {}
    for name in parts[0]:
        found = [part[name] for part in parts if name in part]
        if len({methods.kind_of(d) for d in found}) == 1:
            merged[name] = distributions.merge(found)
    return merged
