"""adapt's pipelines and everything that runs them: definitions, local and Kubeflow runs, triggers, replay,
lineage and the command line."""
import core  # noqa: F401  (TensorFlow defaults, before TensorFlow loads)
