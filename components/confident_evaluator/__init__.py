"""ConfidentEvaluator: TFX's Evaluator that blesses a candidate only when its gain over the serving model is proven."""
from components.confident_evaluator.component import ConfidentEvaluator

__all__ = ["ConfidentEvaluator"]
