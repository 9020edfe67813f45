"""Kubeflow Pipelines and Vertex AI: compiling both pipelines, submitting runs, the remote training launcher."""
