"""FeatureImportance: how much the trained model relies on each raw feature, recorded once at training."""
from components.feature_importance.component import FeatureImportance

__all__ = ["FeatureImportance"]
