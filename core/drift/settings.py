"""How a drift decision is made: the test per feature kind, the false-alarm rate, the importance a drift needs.

The configuration (`drift.*` in adapt.yaml) builds one `DriftSettings`;
DriftDetector receives it as one JSON execution parameter, and `adapt drift`
and the notebooks use the same object. Pure Python, no numpy: the
configuration loads it on every `adapt watch` tick. Method names are checked
against the registry (core/drift/methods.py) when a comparison is made.
"""
import json
from dataclasses import asdict, dataclass, field
from typing import Dict, List

NUMERIC, CATEGORICAL = "numeric", "categorical"
# Equal-mass buckets of each numeric feature's quantiles histogram, in StatisticsGen's and DriftDetector's statistics.
# TFDV's default of 10 leaves a CDF read from them up to 0.06 off (a 2,000-point check on normal data); 100 left it
# within 0.006, but the Kolmogorov-Smirnov distance the sketches guarantee then lost up to a bucket's share of a small
# batch's: at 200 rows a mean moved by 0.1 sd was seen in 40 % of pairs against 48 % for the exact test on the raw
# rows; 200 buckets close that gap (benchmarks/results/drift.md).
QUANTILE_BUCKETS = 200
TESTS = {NUMERIC: ("ks", "ks_t", "t"), CATEGORICAL: ("chi2",)}  # the registry's tests, by kind (methods_test holds them equal)


@dataclass(frozen=True)
class DriftSettings:
    numeric_method: str = "ks_t"            # the test that decides for numeric features
    categorical_method: str = "chi2"        # ... and for categorical ones (strings, booleans, small codes)
    feature_methods: Dict[str, str] = field(default_factory=dict)   # per-feature override of the test
    false_alarm_rate: float = 0.05          # Benjamini-Hochberg false discovery rate over one batch's features
    min_importance: float = 0.1             # the batch drifts when drifted features carry this share of importance
    min_weighted_psi: float = 0.02          # ... and their PSI, weighted by importance, sums to this
    distances: List[str] = field(default_factory=lambda: ["psi", "js", "wasserstein", "linf"])  # reported

    def method(self, feature: str, kind: str) -> str:
        return self.feature_methods.get(feature) or (self.numeric_method if kind == NUMERIC
                                                     else self.categorical_method)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "DriftSettings":
        return cls(**json.loads(text or "{}"))
