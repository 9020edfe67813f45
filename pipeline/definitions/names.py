"""The names of adapt's two pipelines and of their nodes: the definitions give them, ML Metadata is queried by them.

Light on purpose (no TFX import): the registry and the history read it.
"""
TRAINING_PIPELINE = "adapt-training"
BATCH_EVALUATION_PIPELINE = "adapt-batch-evaluation"

# Training pipeline nodes.
EXAMPLE_GEN = "CsvExampleGen"  # the id of either ExampleGen (ImportExampleGen for image spans), kept for MLMD history
STATISTICS_GEN = "StatisticsGen"
SCHEMA_GEN = "SchemaGen"              # only in the ingestion run that infers the first schema
IMPORT_SCHEMA_GEN = "ImportSchemaGen"
EXAMPLE_VALIDATOR = "StrictExampleValidator"
SPAN_WINDOW = "span_window"
HOLDOUT = "holdout"
SERVING_MODEL = "serving_model"
LATEST_BLESSED_MODEL = "latest_blessed_model"
TRANSFORM = "Transform"
TRAINER = "Trainer"
FEATURE_IMPORTANCE = "FeatureImportance"
EVALUATOR = "Evaluator"
INFRA_VALIDATOR = "ServingInfraValidator"
KUBERNETES_INFRA_VALIDATOR = "KubernetesInfraValidator"
PUSHER = "VersionedPusher"
KUBEFLOW_PUSHER = "Pusher"

TRAINING_NODES = [EXAMPLE_GEN, STATISTICS_GEN, IMPORT_SCHEMA_GEN, EXAMPLE_VALIDATOR, TRANSFORM, TRAINER,
                  FEATURE_IMPORTANCE, EVALUATOR, INFRA_VALIDATOR, PUSHER]

# Batch-evaluation pipeline nodes.
FILE_LIST_GEN = "FileListGen"
BATCH_PREDICTION_GEN = "BatchPredictionGen"
PERFORMANCE_EVALUATOR = "PerformanceEvaluator"
DRIFT_DETECTOR = "DriftDetector"
SPAN_PREPARATOR = "SpanPreparator"
PIPELINE_TRIGGER = "PipelineTrigger"

# Nodes whose output artifact carries a report.json (BatchPredictionGen's holds predictions).
REPORTING_NODES = (FILE_LIST_GEN, PERFORMANCE_EVALUATOR, DRIFT_DETECTOR, SPAN_PREPARATOR, PIPELINE_TRIGGER)
