"""The one typed configuration of adapt.

Every path and knob lives here with its default and a one-line description.
`adapt.yaml` in the workspace holds the user's values (written with the
defaults, commented, on first use); command-line flags override single keys
through `Config.with_overrides`. A wrong value raises `ConfigError` naming the
key, for example ``training.window: must be >= 1, got 0``.

This module must stay light: `adapt watch` reads it on every tick, and a tick
with nothing to do must not import TensorFlow.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import yaml

from core.contract import MODEL_KINDS, TASKS
from core.drift.settings import CATEGORICAL, NUMERIC, QUANTILE_BUCKETS, TESTS, DriftSettings
from core.config_file import build_section, doc, section_yaml
from core.config_runtime import (AlertsConfig, BatchingConfig, BeamConfig, KubeflowConfig, MetadataConfig, MlflowConfig,
                                 PredictionConfig, PushConfig, ServingConfig)
from core.errors import ConfigError
from core.hyperparameters import TuneSchedule
from core.labeling.estimators import DEFAULT_ESTIMATOR, ESTIMATORS
from core.label_scale import AUTO as AUTO_SCALE, MODES as LABEL_SCALES, parse_mode as parse_label_scale
from core.metrics import LOWER_IS_BETTER, REGRESSION_METRICS
from core.policy.economics import Economics
from core.policy.more_data import MoreDataSettings
from core.policy.policies import POLICIES
from core.policy.rules import realized_rules


FEATURE_ROLES = ("numeric", "bucketized", "categorical", "ignore")
# Keys an older adapt wrote into adapt.yaml that no longer mean anything: read, ignored, announced once.
RETIRED = {"drift.thresholds": "drift decisions are statistical tests now (drift.false_alarm_rate)",
           "drift.features": "per-feature tests are drift.feature_methods"}
ALL_SPANS = 1_000_000  # a window size that takes every accepted span


def headline_of(metrics: Mapping[str, Any]) -> Optional[str]:
    """The metric a report leads with among those measured: accuracy, else a regression model's MAE or RMSE."""
    return next((name for name in ("accuracy", "mae", "rmse") if metrics.get(name) is not None), None)


@dataclass(frozen=True)
class ModelConfig:
    name: str = field(default="model", metadata=doc(
        "Model name: the folder under serving/ and the REST model name (/v1/models/<name>)."))
    module: str = field(default="models.tabular", metadata=doc(
        "Model package (see core/contract.py): a dotted name on the Python path, or a folder path "
        "(./my_model, relative to this file) holding preprocessing.py and model.py."))
    kind: str = field(default="gbt", metadata=doc(
        "Model kind the package trains: gbt (gradient-boosted trees, TF-DF) or nn (wide-and-deep network).",
        choices=MODEL_KINDS))
    label: str = field(default="", metadata=doc(
        "Label column; empty: the package's LABEL. `adapt init` sets it."))
    task: str = field(default="classification", metadata=doc(
        "What the model predicts: classification (a class of the label) or regression (a number in the "
        "label's unit). `adapt init` picks it from the first batch's label (--task overrides).", choices=TASKS))
    classes: List[str] = field(default_factory=list, metadata=doc(
        "The label's classes in a fixed order (for two, the second is the positive one); empty: the "
        "package's CLASSES, else 0/1. `adapt init` sets them from the first batch."))
    features: Dict[str, str] = field(default_factory=dict, metadata=doc(
        "models.tabular: each column's role: numeric (z-scored), bucketized (quantile buckets), "
        "categorical (vocabulary) or ignore. `adapt init` decides them from the first batch; edit freely.",
        values=FEATURE_ROLES))
    slices: List[str] = field(default_factory=list, metadata=doc(
        "Features the Evaluator reports metrics for, value by value; empty: the package's SLICES."))
    tune: str = field(default="off", metadata=doc(
        "gbt: search the trees' hyperparameters in the Trainer (YDF's random search, scored on the window's newest "
        "training rows): off, auto (the first training, then every 4 retrains) or 'every N retrains'. Retrains "
        "between searches reuse the serving model's hyperparameters (off too, once a search chose some), so they "
        "cost what an untuned retrain does."))
    tune_budget_seconds: int = field(default=60, metadata=doc(
        "gbt: the time a search may take (its trials stop once it is spent).", min=1))
    label_scale: str = field(default=AUTO_SCALE, metadata=doc(
        "gbt regression: the scale the label is trained on. auto: log1p when the label has no negative value, "
        "skewness above 1 and a forest on log1p has the lower MAE on the window's newest training rows (decided at "
        "every training, about one extra forest's fit); identity; log. The served model always answers in the "
        "label's unit.", choices=LABEL_SCALES))

    def __post_init__(self):
        TuneSchedule.parse(self.tune)  # a ConfigError naming model.tune when it is not off/auto/every N
        parse_label_scale(self.label_scale)


@dataclass(frozen=True)
class DataConfig:
    test_fraction: float = field(default=0.2, metadata=doc(
        "Share of each span's rows written to span-N/test (deterministic, by row hash).", min=0.05, max=0.5))
    min_batch_instances: int = field(default=100, metadata=doc(
        "A batch in incoming/ is ready once it holds at least this many instances.", min=1))
    labels_file: str = field(default="labels.csv", metadata=doc(
        "Name of the file that brings labels for a batch after its data arrived."))


@dataclass(frozen=True)
class TrainingConfig:
    window: int = field(default=4, metadata=doc(
        "Train on the last K spans, or `auto`: train a candidate on each of window_candidates and keep the one "
        "that scores best on the newest labeled data.", min=1, also=("auto",)))
    window_candidates: List[str] = field(default_factory=lambda: ["1", "2", "4", "all"], metadata=doc(
        "Window sizes `auto` tries (all: every accepted span up to the newest).", window_sizes=True))
    mode: str = field(default="scratch", metadata=doc(
        "scratch: new weights; warm-start: start from the serving model's weights.",
        choices=("scratch", "warm-start")))
    train_steps: int = field(default=1500, metadata=doc("Trainer steps.", min=1))
    eval_steps: int = field(default=50, metadata=doc("Trainer evaluation steps.", min=1))


@dataclass(frozen=True)
class ValidationConfig:
    min_holdout_rows: int = field(default=300, metadata=doc(
        "Evaluator: candidate and serving model are compared on at least this many rows: the newest span's "
        "test split, topped up from the window's earlier test splits, newest first.", min=1))
    min_accuracy: float = field(default=0.6, metadata=doc(
        "Evaluator: absolute lower bound on the candidate's accuracy.", min=0.0, max=1.0))
    max_accuracy_drop: float = field(default=0.0, metadata=doc(
        "Evaluator: how much accuracy the candidate may lose against the serving model.", min=0.0, max=1.0))
    confidence: float = field(default=0.0, metadata=doc(
        "Evaluator: push a candidate only when its accuracy gain over the serving model on the same holdout is "
        "above min_gain with this one-sided confidence (a paired bootstrap over the holdout rows both models "
        "answered); 0 = judge the point estimates alone: the gain must be above -max_accuracy_drop, so a tie is not "
        "pushed. 0.9 halves pushes on holdouts of several hundred rows and costs accuracy on small ones "
        "(benchmarks/results/promotion_confidence.md).", min=0.0, max=0.999))
    min_gain: float = field(default=0.0, metadata=doc(
        "Evaluator: with confidence above 0, the gain's lower bound must exceed this.", min=0.0, max=1.0))
    min_domain_mass: float = field(default=0.9, metadata=doc(
        "Kept schema: share of a string feature's values that must be in its known domain.", min=0.0, max=1.0))
    open_domain_features: List[str] = field(default_factory=list, metadata=doc(
        "Kept schema: string features whose set of values grows over time (the model package adds its own). "
        "Their inferred domain is dropped, so new values reach the model's out-of-vocabulary buckets instead of "
        "stopping retraining; drift detection still reports the shift."))
    min_feature_presence: float = field(default=0.5, metadata=doc(
        "Kept schema: a feature present in the first span must be present in at least this share of rows.",
        min=0.0, max=1.0))
    infra_requests: int = field(default=20, metadata=doc(
        "Infra validation: real eval examples sent to the model server.", min=1))
    infra_timeout_seconds: int = field(default=180, metadata=doc(
        "Infra validation: time allowed for the model server to load and answer.", min=5))


@dataclass(frozen=True)
class PerformanceConfig:
    metrics: List[str] = field(default_factory=lambda: ["accuracy", "auc", "precision", "recall"], metadata=doc(
        "Metrics computed on labeled batches (a regression model: those of mae, rmse, r2 listed, else all three).",
        subset=("accuracy", "auc", "precision", "recall", "log_loss") + REGRESSION_METRICS))
    threshold_metric: str = field(default="accuracy", metadata=doc(
        "The metric the performance rule watches (a regression model: mae unless rmse is named here).",
        choices=("accuracy", "auc", "precision", "recall", "mae", "rmse")))
    max_drop: float = field(default=0.05, metadata=doc(
        "Retrain when the serving model's threshold_metric on a batch is more than this share (relative) worse "
        "(below; an error metric: above) than what the same model scored on its own holdout when it was pushed.",
        min=0.0, max=1.0))
    rule: str = field(default="relative_drop", metadata=doc(
        "How a labeled batch's drop is judged: tested_drop asks whether threshold_metric is worse than the holdout "
        "score by more than max_drop beyond chance, at the batch's and the holdout's rows (accuracy, mae, rmse; "
        "at drift.false_alarm_rate: benchmarks/results/performance_rule.md); relative_drop fires on any drop "
        "beyond max_drop, whatever the rows.", choices=realized_rules()))
    threshold: float = field(default=0.0, metadata=doc(
        "Also retrain when threshold_metric on a batch falls below this absolute floor (an error metric: rises above "
        "this ceiling) (0: off).", min=0.0))
    estimated_max_drop: float = field(default=0.05, metadata=doc(
        "A batch without labels: retrain when threshold_metric, estimated from the model's calibrated "
        "probabilities (a regression model's MAE, from its error model), is more than this share (relative) worse "
        "than the model's own holdout score and the estimate's 3-sigma band excludes that score (RMSE has no "
        "band); the training runs at once on the spans labeled "
        "so far, the batch waits for its labels to become a span, and realized metrics decide once they exist "
        "(0: off). The estimate sees covariate shift, never "
        "concept drift.", min=0.0, max=1.0))
    label_estimator: str = field(default=DEFAULT_ESTIMATOR, metadata=doc(
        "A batch labeled on some rows only (a label request's, or any): its metric is estimated without bias "
        "from them by difference (the model's expected loss over all rows corrected by the labeled rows' "
        "weighted residuals) or importance (the labeled rows' losses weighted alone); `adapt labels request` "
        "chooses rows the way the estimator gains most from (benchmarks/results/label_budget.md).",
        choices=ESTIMATORS.keys()))

    def for_task(self, task: str) -> Tuple[List[str], str]:
        """(metrics, threshold metric) for a model of this task: the classification defaults mean MAE, RMSE and R²
        for a regression model."""
        regression = task == "regression"
        metrics = [m for m in self.metrics if (m in REGRESSION_METRICS) == regression]
        if regression:
            return metrics or list(REGRESSION_METRICS), (
                self.threshold_metric if self.threshold_metric in LOWER_IS_BETTER else "mae")
        return metrics or ["accuracy"], (self.threshold_metric if self.threshold_metric not in LOWER_IS_BETTER
                                         else "accuracy")

    def headline(self, task: str) -> str:
        """The metric a replay reports batch by batch: accuracy for a classifier, the watched error for a regressor."""
        return self.for_task(task)[1] if task == "regression" else "accuracy"


@dataclass(frozen=True)
class DriftConfig:
    numeric_method: str = field(default=DriftSettings.numeric_method, metadata=doc(
        "The test that decides whether a numeric feature drifted: ks_t (two-sample Kolmogorov-Smirnov on TFDV's "
        "quantile sketches and Welch's t on the means, the smaller p-value doubled), ks, or t.",
        choices=TESTS[NUMERIC]))
    categorical_method: str = field(default=DriftSettings.categorical_method, metadata=doc(
        "The test for categorical features (strings, booleans, integer codes with few values): chi2 (chi-square "
        "on the exact value counts).", choices=TESTS[CATEGORICAL]))
    feature_methods: Dict[str, str] = field(default_factory=dict, metadata=doc(
        "Per-feature choice of the test, e.g. {trip_start_hour: ks}.", values=TESTS[NUMERIC] + TESTS[CATEGORICAL]))
    false_alarm_rate: float = field(default=DriftSettings.false_alarm_rate, metadata=doc(
        "A feature drifted when its Benjamini-Hochberg adjusted p-value is at most this: on a batch from the "
        "baseline's own distribution, the chance that any feature is flagged, however many are compared.",
        min=1e-6, max=0.5))
    min_importance: float = field(default=DriftSettings.min_importance, metadata=doc(
        "The batch drifted (and retrains) when its drifted features carry at least this share of the serving "
        "model's feature importance (recorded at training); features the model does not use never fire.",
        min=0.0, max=1.0))
    min_weighted_psi: float = field(default=DriftSettings.min_weighted_psi, metadata=doc(
        "... and only when those drifted features moved far enough for the model to feel it: their PSI, weighted "
        "by importance, sums to at least this (0: any drift beyond chance on enough importance).", min=0.0))
    distances: List[str] = field(default_factory=lambda: ["psi", "js", "wasserstein", "linf"], metadata=doc(
        "Distances reported beside each test as the size of the move (they do not decide).",
        subset=("psi", "kl", "js", "wasserstein", "linf")))
    discrete_values: int = field(default=20, metadata=doc(
        "Kept schema: an integer feature with at most this many distinct values in the first span is declared "
        "categorical, so TFDV describes it by value counts (exact) instead of quantiles.", min=2))
    quantile_buckets: int = field(default=QUANTILE_BUCKETS, metadata=doc(
        "Buckets of TFDV's quantiles histogram per numeric feature, in StatisticsGen's and DriftDetector's "
        "statistics: the resolution of a CDF read from them.", min=10, max=1000))
    exclude: List[str] = field(default_factory=list, metadata=doc(
        "Features whose drift never decides, only shows in the report (the model package adds its own; columns "
        "adapt init marks `ignore` are listed here): time stamps drift by definition, ids are unique."))


@dataclass(frozen=True)
class RetrainingConfig:
    policy: str = field(default="triggered", metadata=doc(
        "triggered: retrain when a rule fires; periodic: on every batch; static: never; manual: every batch becomes "
        "a span and only `adapt train` retrains.",
        choices=POLICIES.keys()))
    trigger_mode: str = field(default="local", metadata=doc(
        "Where PipelineTrigger starts the training pipeline.", choices=("local", "kubeflow", "vertex")))
    spans_after_decline: int = field(default=2, metadata=doc(
        "After a declined candidate, the same evidence makes spans but starts no training until this many new "
        "spans, drift on new features, or a drop larger by more than max_drop.", min=1))
    more_data: MoreDataSettings = field(default_factory=MoreDataSettings)


@dataclass(frozen=True)
class Config:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    validation: ValidationConfig = field(default_factory=ValidationConfig)
    performance: PerformanceConfig = field(default_factory=PerformanceConfig)
    drift: DriftConfig = field(default_factory=DriftConfig)
    retraining: RetrainingConfig = field(default_factory=RetrainingConfig)
    beam: BeamConfig = field(default_factory=BeamConfig)
    push: PushConfig = field(default_factory=PushConfig)
    serving: ServingConfig = field(default_factory=ServingConfig)
    prediction: PredictionConfig = field(default_factory=PredictionConfig)
    kubeflow: KubeflowConfig = field(default_factory=KubeflowConfig)
    metadata: MetadataConfig = field(default_factory=MetadataConfig)
    mlflow: MlflowConfig = field(default_factory=MlflowConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    economics: Economics = field(default_factory=Economics)

    # -- construction -----------------------------------------------------
    @classmethod
    def from_dict(cls, values: Optional[Mapping[str, Any]]) -> "Config":
        return build_section(cls, values or {}, prefix="", retired=RETIRED)

    @classmethod
    def load(cls, path: Path) -> "Config":
        path = Path(path)
        try:
            values = yaml.safe_load(path.read_text()) if path.exists() else {}
        except yaml.YAMLError as err:
            raise ConfigError(f"{path}: not valid YAML ({err})") from err
        if values is not None and not isinstance(values, dict):
            raise ConfigError(f"{path}: must be a mapping of sections, got {type(values).__name__}")
        try:
            return cls.from_dict(values)
        except ConfigError as err:
            raise ConfigError(f"{path}: {err}") from None

    def with_overrides(self, overrides: Mapping[str, Any]) -> "Config":
        """Returns a copy with dotted keys replaced, e.g. {"training.window": 3}; None values are ignored."""
        values = self.to_dict()
        for dotted, value in overrides.items():
            if value is None:
                continue
            section, _, key = dotted.partition(".")
            if section not in values or key not in values[section]:
                raise ConfigError(f"{dotted}: unknown configuration key")
            values[section][key] = value
        return Config.from_dict(values)

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)

    def to_yaml(self, notes: Optional[Mapping[str, str]] = None) -> str:
        """The configuration as commented YAML: what `adapt.yaml` starts as.

        `notes` adds a trailing comment to single entries of a mapping, e.g.
        {"model.features.customer_id": "unique per row, like an id"}.
        """
        lines = ["# adapt configuration. Every key is optional; shown values are the defaults.",
                 "# Command-line flags override single keys for one run."]
        for section in dataclasses.fields(self):
            lines.append("")
            lines.append(f"{section.name}:")
            lines += section_yaml(getattr(self, section.name), section.name, "  ", notes or {})
        return "\n".join(lines) + "\n"

    # -- derived values ---------------------------------------------------
    def compiled_window(self) -> int:
        """The window a compiled Kubeflow/Vertex pipeline has positions for: auto's largest numbered candidate."""
        if self.training.window != "auto":
            return int(self.training.window)
        return max([int(size) for size in self.training.window_candidates if size != "all"] or [1])

    def largest_window(self) -> int:
        """The window PipelineTrigger and the Kubeflow build size for: training.window, or auto's largest candidate."""
        if self.training.window != "auto":
            return int(self.training.window)
        sizes = self.training.window_candidates
        return ALL_SPANS if "all" in sizes else max(int(size) for size in sizes)

    def drift_settings(self) -> DriftSettings:
        drift = self.drift
        return DriftSettings(numeric_method=drift.numeric_method, categorical_method=drift.categorical_method,
                             feature_methods=dict(drift.feature_methods), false_alarm_rate=drift.false_alarm_rate,
                             min_importance=drift.min_importance, min_weighted_psi=drift.min_weighted_psi,
                             distances=list(drift.distances))
