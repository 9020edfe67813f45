"""Model serving in TF Serving's REST shape: the loaded model, the HTTP server with hot reload, a load generator."""
import core  # noqa: F401  (TensorFlow defaults, before TensorFlow loads)
