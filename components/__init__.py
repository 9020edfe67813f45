"""Custom TFX components of adapt, one folder each (component, executor, tests)."""
import core  # noqa: F401  (TensorFlow defaults, before TensorFlow loads)
