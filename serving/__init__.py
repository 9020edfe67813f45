"""Model serving in TF Serving's REST shape: the loaded model, the repository of versions (hot reload, canary),
routing, the HTTP server and its endpoints, the prediction log, a load generator."""
import core  # noqa: F401  (TensorFlow defaults, before TensorFlow loads)
