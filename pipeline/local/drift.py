"""`adapt drift BASELINE CURRENT`: the drift table between two spans or batch folders.

A span (`3`, `span-3`, or its folder) uses the statistics StatisticsGen
computed for its train split when the workspace has them, and computes them
otherwise; a batch folder (a path, or a name under incoming/) is computed.
Both names are resolved before TFDV is imported (seconds), so a wrong name
is an error at once and a right one is announced at once.
"""
import os
import re
import tempfile
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple, Union

from core.config import Config
from core.data.batch import Batch
from core.data.spans import span_dir, span_files
from core.drift.statistics import MEASURED_FORMATS, STATISTICS_FILE, batch_statistics
from core.errors import ConfigError, UsageError
from core.workspace import Workspace


class DriftInputError(UsageError):
    """Neither a span nor a batch folder, or a batch whose format has no statistics."""


def _span_number(text: str, workspace: Workspace):
    match = re.fullmatch(r"(?:span-)?(\d+)", os.path.basename(text.rstrip("/")))
    if match and (text.isdigit() or text.startswith("span-") or os.path.dirname(text.rstrip("/"))
                  == str(workspace.data)):
        return int(match.group(1))
    return None


Source = Union[int, Batch]  # a span number, or a batch folder


def resolve(text: str, workspace: Workspace, config: Config) -> Source:
    """The span or batch `text` names, checked without TensorFlow; a DriftInputError otherwise."""
    span = _span_number(text, workspace)
    if span is not None:
        if not span_dir(workspace.data, span).is_dir():
            raise DriftInputError(f"span {span} not found under {workspace.data}")
        return span
    folder = text if os.path.isdir(text) else str(workspace.incoming / text)
    if not os.path.isdir(folder):
        raise DriftInputError(f"{text!r} is neither a span of {workspace.data} nor a batch folder")
    batch = Batch(folder, labels_file=config.data.labels_file)
    if batch.format not in MEASURED_FORMATS:
        raise DriftInputError(f"batch {batch.batch_id}: drift is not measured on {batch.format} batches")
    return batch


def describe(source: Source) -> str:
    return f"span {source}" if isinstance(source, int) else f"batch {source.batch_id}"


def statistics_for(source: Source, workspace: Workspace, config: Config, options=None) -> Tuple[object, str]:
    """(DatasetFeatureStatisticsList, description) for a span or a batch; `options` when they are computed."""
    import tensorflow_data_validation as tfdv

    from pipeline.lineage.graph import Metadata
    from pipeline.lineage.queries import span_statistics_files
    if isinstance(source, int):
        span = source
        if _has_metadata(workspace, config):
            known = span_statistics_files(Metadata.of(workspace, config))
            if span in known:
                return tfdv.load_stats_binary(known[span]), f"span {span} (StatisticsGen)"
        return _compute(*span_files(workspace.data, span), config, options), f"span {span} (computed)"
    return (_compute(source.format, [source.file_path(name) for name in source.data_files()], config, options),
            describe(source))


def _has_metadata(workspace: Workspace, config: Config) -> bool:
    return bool(config.metadata.mysql_host) or workspace.metadata_path.exists()


def _compute(data_format: str, files: List[str], config: Config, options):
    import tensorflow_data_validation as tfdv
    output = os.path.join(tempfile.mkdtemp(prefix="adapt-drift-"), STATISTICS_FILE)
    batch_statistics(data_format, files, output, beam_args=config.beam.args, options=options)
    return tfdv.load_stats_binary(output)


def kept_schema_options(workspace: Workspace, config: Config):
    """Statistics options as StatisticsGen's: the kept schema's categorical integers, drift.quantile_buckets."""
    from core.drift.statistics import stats_options
    categorical = []
    if workspace.schema_file.exists():
        from core.data import schema
        categorical = schema.categorical_integers(schema.load_schema(workspace.schema_file))
    return stats_options(categorical, config.drift.quantile_buckets)


@dataclass(frozen=True)
class ModelView:
    """What the drift decision needs to know of the model: features that never decide, label, importances."""

    exclude: List[str]
    label: str
    importances: Dict[str, float]


def model_view(workspace: Workspace, config: Config) -> ModelView:
    """The configured model's exclusions and label, the serving model's importances; comparing two batches needs
    no model, so none may be configured or serving yet."""
    try:
        model = workspace.model_package(config)
    except ConfigError:
        return ModelView(list(config.drift.exclude), config.model.label, {})
    importances = {}
    if _has_metadata(workspace, config):
        from core import versions
        from pipeline.lineage.graph import Metadata
        from pipeline.lineage.queries import serving_importances
        base = workspace.serving_model_dir(config)
        importances = serving_importances(Metadata.of(workspace, config), base, versions.production_version(base))
    return ModelView(model.drift_exclude, model.label, importances)


def compare(baseline: str, current: str, workspace: Workspace, config: Config,
            echo: Optional[Callable[[str], None]] = None) -> Dict:
    sources = resolve(baseline, workspace, config), resolve(current, workspace, config)
    if echo:
        echo(f"comparing {describe(sources[1])} with {describe(sources[0])} (TFDV loads first)")
    from core.drift.report import drift_report
    from core.drift.statistics import matching_options
    baseline_stats, baseline_name = statistics_for(sources[0], workspace, config,
                                                   kept_schema_options(workspace, config))
    current_stats, current_name = statistics_for(sources[1], workspace, config, matching_options([baseline_stats]))
    view = model_view(workspace, config)
    report = drift_report([baseline_stats], current_stats, config.drift_settings(), view.exclude, [],
                          importances=view.importances, label=view.label)
    report.pop("baseline_spans")
    return {"baseline": baseline_name, "current": current_name, **report}
