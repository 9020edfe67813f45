"""Model packages, one per use case; each implements the model contract (core/contract.py)."""
import core  # noqa: F401  (TensorFlow defaults, before TensorFlow loads)
