"""CalibratedTrainer: TFX's Trainer whose Model artifact carries the model's holdout calibration."""
from components.calibrated_trainer.component import CalibratedTrainer

__all__ = ["CalibratedTrainer"]
