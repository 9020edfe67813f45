"""The tabular model's settings as Transform and Trainer receive them (their `custom_config`)."""
from dataclasses import dataclass, field
from typing import Dict, List, Mapping

from core.contract import transformed_name  # noqa: F401  (the name Transform gives each feature)

NUM_BUCKETS = 10
VOCABULARY_SIZE = 100
OOV_BUCKETS = 1


def vocabulary_name(key: str) -> str:
    return f"{key}_vocabulary"


@dataclass(frozen=True)
class TabularSettings:
    label: str
    classes: List[str]
    features: Dict[str, str]              # column -> numeric | bucketized | categorical | ignore
    kind: str = "gbt"
    task: str = "classification"
    hidden_units: List[int] = field(default_factory=lambda: [64, 32])

    @classmethod
    def from_custom_config(cls, custom: Mapping) -> "TabularSettings":
        task = custom.get("task") or "classification"
        needed = ("label", "features") if task == "regression" else ("label", "classes", "features")
        missing = [key for key in needed if not custom.get(key)]
        if missing:
            raise ValueError(f"models.tabular needs {', '.join(missing)} in custom_config (model.* in adapt.yaml)")
        return cls(label=custom["label"], classes=[str(c) for c in custom.get("classes") or []],
                   features=dict(custom["features"]), kind=custom.get("kind", "gbt"), task=task)

    def with_role(self, role: str) -> List[str]:
        return sorted(name for name, chosen in self.features.items() if chosen == role)

    @property
    def regression(self) -> bool:
        return self.task == "regression"
