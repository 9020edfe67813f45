"""adapt's own records keep the type and property names existing stores hold, take keywords only, and read back
as they were written, also into a store whose types an earlier version of adapt made."""
import pytest
from ml_metadata.proto import metadata_store_pb2 as mlmd

from pipeline.lineage import records
from pipeline.lineage.graph import Metadata, prop

S, I, D = mlmd.STRING, mlmd.INT, mlmd.DOUBLE
# What stores written since these types exist hold: a name or property renamed here leaves old records unread.
STORED = {
    "adapt.RetrainingEvent": {
        "model_name": S, "trigger": S, "reason": S, "spans": S, "outcome": S, "updated": I, "pushed_version": I,
        "production_version": I, "baseline_version": I, "compute_seconds": D, "candidate_metrics": S,
        "baseline_metrics": S, "training_mode": S, "pipeline_run": S, "evidence": S, "holdout": S,
        "window_choice": S, "inputs": S, "schema_version": I},
    "adapt.Rollback": {"model_name": S, "from_version": I, "to_version": I, "reason": S},
    "adapt.Canary": {"model_name": S, "action": S, "version": I, "stable_version": I, "traffic": D, "shadow": I,
                     "reason": S},
    "adapt.SchemaChange": {"model_name": S, "from_version": I, "to_version": I, "reason": S, "who": S, "batch": S,
                           "span": I, "changes": S},
    "adapt.Alert": {"model_name": S, "event": S, "text": S, "delivered": I, "status": S},
    "adapt.LabelRequest": {"model_name": S, "batch": S, "model_version": I, "rows": I, "budget": I, "chosen": I,
                           "uniform_share": D, "seed": I, "weights_file": S, "to_label": S},
}
# Added since (issue 48: a priced decision's expected gain, cost and verdict; issue 49: the estimator whose weights
# drew a label request's rows): a store made before gains them.
ADDED = {"adapt.RetrainingEvent": {"expected_gain": D, "retrain_cost": D, "verdict": S},
         "adapt.LabelRequest": {"sampling": S}}


def _meta(tmp_path) -> Metadata:
    connection = mlmd.ConnectionConfig()
    connection.sqlite.filename_uri = str(tmp_path / "metadata.sqlite")
    connection.sqlite.connection_mode = mlmd.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
    return Metadata(connection)


def test_each_record_type_keeps_the_names_existing_stores_hold():
    assert {kind.TYPE: records.properties(kind) for kind in records.RECORDS} == {
        name: {**properties, **ADDED.get(name, {})} for name, properties in STORED.items()}


def test_a_record_takes_keywords_only_and_no_property_it_does_not_declare():
    with pytest.raises(TypeError):
        records.Rollback("taxi", 2, 1)
    with pytest.raises(TypeError):
        records.Alert(model_name="taxi", sent=True)


@pytest.mark.parametrize("made_before", [False, True])
def test_records_read_back_as_written_in_the_models_history(tmp_path, made_before):
    meta = _meta(tmp_path)
    if made_before:  # the types as an earlier adapt registered them, property by property
        for name, properties in STORED.items():
            meta.store.put_execution_type(mlmd.ExecutionType(name=name, properties=properties))
    priced = records.price_properties({"price": {"expected_gain": 320.0, "cost": 50.05, "verdict": "pays"}})
    assert records.price_properties({"drop": 0.1}) == {}   # a decision not priced adds nothing
    written = [records.RetrainingEvent(model_name="taxi", spans="1-2", updated=1, compute_seconds=12.5,
                                       pushed_version=2, **priced),
               records.Rollback(model_name="taxi", from_version=2, to_version=1, reason="by hand"),
               records.Canary(model_name="taxi", action="start", version=2, stable_version=1, traffic=0.25, shadow=0),
               records.SchemaChange(model_name="taxi", from_version=1, to_version=2, who="me", batch="b3"),
               records.Alert(model_name="other", event="drift", text="b3 drifted", delivered=1, status="200"),
               records.LabelRequested(model_name="taxi", batch="b3", model_version=2, rows=900, budget=100, chosen=100,
                                      uniform_share=0.5, seed=0, weights_file="b3/.label-request.json",
                                      to_label="to-label.csv", sampling="difference")]
    ids = [meta.record(record) for record in written]
    for record, execution_id in zip(written, ids):
        [execution] = meta.adapt_executions(record.TYPE)
        assert execution.id == execution_id and execution.last_known_state == mlmd.Execution.COMPLETE
        assert {name: prop(execution, name) for name in records.properties(type(record))} == vars(record)
        [context] = meta.store.get_contexts_by_execution(execution_id)
        assert (meta.store.get_context_types_by_id([context.type_id])[0].name, context.name) == (
            records.HISTORY_CONTEXT_TYPE, record.model_name)
