"""PerformanceEvaluator: the serving model's metrics on a labeled batch, and whether to retrain."""
from components.performance_evaluator.component import PerformanceEvaluator

__all__ = ["PerformanceEvaluator"]
