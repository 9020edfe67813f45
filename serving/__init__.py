"""Model serving in TF Serving's REST shape: version layout, request decoding, the HTTP server."""

import os as _os

# TFX 1.16 expects tf.keras to be Keras 2 (tf-keras); must be set before TensorFlow loads.
_os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

