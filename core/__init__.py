"""Shared building blocks of adapt: errors, configuration and workspace, data (batches, spans, examples,
schema), drift measures, the serving folder layout and the model contract. Imports nothing above it."""
from core import environment as _environment  # noqa: F401  (TensorFlow defaults, before TensorFlow loads)
