"""DriftDetector: how far a batch's feature distributions moved from the serving model's training data."""
from components.drift_detector.component import DriftDetector

__all__ = ["DriftDetector"]
