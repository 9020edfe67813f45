"""The kept schema: inferred by SchemaGen on the first span, curated, reviewed, then imported.

After the first model is blessed and pushed, the runner writes the schema it
was trained with to `<workdir>/schema/schema.pbtxt`, relaxed where real data
legitimately varies: string features accept a share of values outside their
known domain (validation.min_domain_mass) and optional features need only be
present in a share of rows (validation.min_feature_presence). Types and the
label's presence stay strict, so a numeric column holding text or a missing
label column still stops the run. Edit the file to tighten or relax further.
"""
from pathlib import Path

import tensorflow_data_validation as tfdv

from pipeline.config import Config


def curate(schema, config: Config):
    for feature in schema.feature:
        if feature.name == config.model.label:
            continue
        if feature.HasField("domain") or feature.HasField("string_domain"):
            feature.distribution_constraints.min_domain_mass = config.validation.min_domain_mass
        if feature.presence.min_fraction > config.validation.min_feature_presence:
            feature.presence.min_fraction = config.validation.min_feature_presence
    return schema


def keep_schema(inferred_schema_uri: str, target: Path, config: Config) -> Path:
    """Writes the curated copy of a SchemaGen output (a folder holding schema.pbtxt) to target."""
    schema = tfdv.load_schema_text(str(Path(inferred_schema_uri) / "schema.pbtxt"))
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".tmp")
    tfdv.write_schema_text(curate(schema, config), str(temporary))
    temporary.replace(target)
    return target
