"""Custom TFX components of adapt, one folder each (component, executor, tests)."""

import os as _os

# TFX 1.16 expects tf.keras to be Keras 2 (tf-keras); must be set before TensorFlow loads.
_os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # C++ start-up noise would bury one-line errors

