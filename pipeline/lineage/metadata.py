"""The names the former one-module lineage API offered (`mlmd` too), for callers not moved yet (pipeline/cli/ops.py,
in flight). New code imports from the modules that hold them:

- pipeline/lineage/store.py: where the store is, opening it, the MySQL retry, why a store does not open;
- pipeline/lineage/records.py: adapt's own record types (RetrainingEvent, Rollback, Canary, SchemaChange, Alert);
- pipeline/lineage/graph.py: the read view of the lineage graph (Metadata, prop);
- pipeline/lineage/queries.py: the questions the runners, the registry and the dashboard ask.
"""
from ml_metadata.proto import metadata_store_pb2 as mlmd  # noqa: F401

from pipeline.lineage.graph import PIPELINE_RUN_CONTEXT_TYPE, Linked, Metadata, prop, value_of  # noqa: F401
from pipeline.lineage.queries import (  # noqa: F401
    custom_config, events_by_model, importance_report, ingested_spans, last_decline, model_for_version,
    model_importances, push_records, pushed_metrics, retraining_events, serving_holdout_answers,
    serving_importances, span_schema_versions, span_statistics, span_statistics_files)
from pipeline.lineage.records import (  # noqa: F401
    HISTORY_CONTEXT_TYPE, Alert, Canary, RetrainingEvent, Rollback, SchemaChange)
from pipeline.lineage.store import (  # noqa: F401
    MetadataUnavailableError, RetryingMetadataStore, connection_config, describe_store, mysql_location,
    server_answers, why_not_opened)

EVENT_TYPE, ROLLBACK_TYPE, ALERT_TYPE = RetrainingEvent.TYPE, Rollback.TYPE, Alert.TYPE
CANARY_TYPE, SCHEMA_TYPE = Canary.TYPE, SchemaChange.TYPE
