"""The gradient-boosted trees' settings, and the YDF learner that grows them outside TensorFlow.

One source for every forest adapt grows: TF-DF's GradientBoostedTreesModel in the Trainer
(models/gradient_boosted.py), the out-of-fold forests that calibrate it, and `adapt tune`'s simulator
(core/tuning), so that a forest means the same wherever it grows. YDF is the library TF-DF wraps: same learner,
same settings. Pure Python until a learner is asked for.
"""
from typing import Any, Iterable, Mapping, Optional

NUM_TREES = 100       # with MIN_EXAMPLES, scikit-learn's HistGradientBoosting defaults (max_iter, min_samples_leaf)
MIN_EXAMPLES = 20
SETTINGS = {"num_trees": NUM_TREES, "min_examples": MIN_EXAMPLES, "validation_ratio": 0.0}
IMPORTANCE = "SUM_SCORE"  # the loss reduction of every split on a feature: what the forest relies on


def settings(hyperparameters: Optional[Mapping[str, Any]] = None) -> dict:
    """SETTINGS with a search's choices (core/hyperparameters.py) over them."""
    return {**SETTINGS, **(hyperparameters or {})}


def ydf_learner(label: str, categorical: Iterable[str], regression: bool = False, seed: int = 42,
                hyperparameters: Optional[Mapping[str, Any]] = None, **learner_options):
    """The forest as YDF grows it: `categorical` columns (given as text) are categories, every other column a
    number; every value of a category kept, however rare. `hyperparameters` replace SETTINGS' values."""
    import ydf
    # Quiet, and with no test of sys.stdout: YDF binds the stdout it imported under, which may be closed since.
    ydf.verbose(0)
    return ydf.GradientBoostedTreesLearner(
        label=label, task=ydf.Task.REGRESSION if regression else ydf.Task.CLASSIFICATION, random_seed=seed,
        features=[(name, ydf.Semantic.CATEGORICAL) for name in sorted(categorical)],
        include_all_columns=True, min_vocab_frequency=1, max_vocab_count=-1, **settings(hyperparameters),
        **learner_options)
