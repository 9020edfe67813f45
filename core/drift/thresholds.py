"""Drift thresholds: one default per measure, optional per-feature overrides, and their JSON form.

The configuration (`drift.thresholds`, `drift.features`) builds them; DriftDetector
receives them as one JSON execution parameter; `adapt drift` and the
notebooks look them up the same way. Pure Python: the configuration loads it.
"""
import json
from dataclasses import dataclass, field
from typing import Dict, Mapping

METRICS = ("psi", "kl", "js", "wasserstein", "linf")


@dataclass(frozen=True)
class DriftThresholds:
    defaults: Mapping[str, float]
    features: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def lookup(self, feature: str, metric: str) -> float:
        return float(self.features.get(feature, {}).get(metric, self.defaults[metric]))

    def to_json(self) -> str:
        return json.dumps({"default": dict(self.defaults), "features": {k: dict(v) for k, v in self.features.items()}},
                          sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "DriftThresholds":
        values: Dict = json.loads(text)
        return cls(values["default"], values.get("features", {}))
