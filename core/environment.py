"""The TensorFlow process defaults every entry point of adapt needs, set once, before TensorFlow loads.

TFX 1.16 expects tf.keras to be Keras 2 (the tf-keras package); TF 2.16
defaults to Keras 3 unless TF_USE_LEGACY_KERAS is set when TensorFlow is first
imported. TensorFlow's C++ start-up noise would bury adapt's one-line errors.
Each of adapt's packages imports this module first, so whichever loads first
sets them; a value the user exported wins.
"""
import os

DEFAULTS = {
    "TF_USE_LEGACY_KERAS": "1",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "GRPC_VERBOSITY": "ERROR",
}

for _name, _value in DEFAULTS.items():
    os.environ.setdefault(_name, _value)


def quiet_console() -> None:
    """Library warnings (Python's, and the logging kind TensorFlow's packages emit on import) stay off the console.

    Entry points call it before they import TensorFlow; runs keep everything in
    their log file (pipeline/local/beam.py: pipeline_progress).
    """
    import logging
    import warnings

    for category in (FutureWarning, DeprecationWarning, UserWarning, RuntimeWarning):
        warnings.filterwarnings("ignore", category=category)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # libraries that set their own loggers' levels stay quiet too
        handler.setLevel(logging.ERROR)
