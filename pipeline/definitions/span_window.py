"""Resolver strategy for the training window: the latest version of each span in a range.

TFX's SpanRangeStrategy returns every artifact whose span is in the range,
so a span ingested twice (its files re-fingerprinted, or a run without the
cache) would enter the window twice. This strategy keeps the newest Examples
artifact per span, skips spans rejected by validation, and refuses to resolve
unless every span of the window is present.
"""
from typing import Dict, List, Optional, Sequence

from tfx import types
from tfx.dsl.components.common import resolver


def _int_property(artifact: types.Artifact, name: str) -> int:
    # ExampleGen records span and version as custom properties in TFX 1.16.
    if artifact.has_custom_property(name):
        return artifact.get_int_custom_property(name)
    return getattr(artifact, name, 0) or 0


def _rank(artifact: types.Artifact):
    return (_int_property(artifact, "version"), artifact.mlmd_artifact.create_time_since_epoch, artifact.id)


class SpanWindowStrategy(resolver.ResolverStrategy):

    def __init__(self, start_span: int, end_span: int, excluded_spans: Sequence[int] = ()):
        self.start_span = int(start_span)
        self.end_span = int(end_span)
        self.excluded = {int(s) for s in excluded_spans}

    def wanted(self) -> List[int]:
        return [s for s in range(self.start_span, self.end_span + 1) if s not in self.excluded]

    def resolve_artifacts(self, store, input_dict: Dict[str, List[types.Artifact]]
                          ) -> Optional[Dict[str, List[types.Artifact]]]:
        wanted = set(self.wanted())
        resolved = {}
        for key, artifacts in input_dict.items():
            newest: Dict[int, types.Artifact] = {}
            for artifact in artifacts:
                span = _int_property(artifact, "span")
                if span not in wanted:
                    continue
                current = newest.get(span)
                if current is None or _rank(artifact) > _rank(current):
                    newest[span] = artifact
            if set(newest) != wanted:
                return None  # a span of the window was never ingested
            resolved[key] = [newest[span] for span in sorted(newest)]
        return resolved
