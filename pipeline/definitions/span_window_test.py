from tfx.types import standard_artifacts

import components  # noqa: F401
from pipeline.definitions.span_window import SpanWindowStrategy


def _examples(span, version=0, created=0, artifact_id=0):
    artifact = standard_artifacts.Examples()
    artifact.set_int_custom_property("span", span)
    artifact.set_int_custom_property("version", version)
    artifact.mlmd_artifact.create_time_since_epoch = created
    artifact.id = artifact_id
    return artifact


def test_spans_9_to_11_resolve_exactly_those_spans():
    artifacts = [_examples(s, artifact_id=s) for s in range(1, 13)]
    resolved = SpanWindowStrategy(9, 11).resolve_artifacts(None, {"examples": artifacts})
    assert [a.get_int_custom_property("span") for a in resolved["examples"]] == [9, 10, 11]


def test_a_span_ingested_twice_enters_once_in_its_newest_version():
    old, new = _examples(10, created=1, artifact_id=5), _examples(10, created=2, artifact_id=6)
    resolved = SpanWindowStrategy(9, 10).resolve_artifacts(None, {"examples": [_examples(9), old, new]})
    assert [a.id for a in resolved["examples"]] == [0, 6]


def test_rejected_spans_are_skipped_and_missing_spans_block():
    artifacts = [_examples(s) for s in (1, 2, 3, 4)]
    resolved = SpanWindowStrategy(1, 4, excluded_spans=[3]).resolve_artifacts(None, {"examples": artifacts})
    assert [a.get_int_custom_property("span") for a in resolved["examples"]] == [1, 2, 4]
    assert SpanWindowStrategy(1, 5).resolve_artifacts(None, {"examples": artifacts}) is None
