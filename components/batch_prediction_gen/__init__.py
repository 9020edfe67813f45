"""BatchPredictionGen: the serving model's predictions on a batch."""
from components.batch_prediction_gen.component import BatchPredictionGen

__all__ = ["BatchPredictionGen"]
