"""What ran, read from ML Metadata: queries, the model registry, the history, Evaluator results, the MLflow mirror."""
