"""The kept schema: inferred by SchemaGen on the first span, curated, reviewed, then imported.

Before the first training run the runner has SchemaGen infer a schema from
the first span and writes it to `<workdir>/schema/v1/schema.pbtxt`, relaxed where real data
legitimately varies: string features accept a share of values outside their
known domain (validation.min_domain_mass) and optional features need only be
present in a share of rows (validation.min_feature_presence) and may be empty
(a column always filled in the first batch may have gaps later). Features
whose values keep growing (the model package's and validation's open-domain
features: new companies, new products) lose their closed domain: the model
maps new values to out-of-vocabulary buckets, and DriftDetector, not
ExampleValidator, reports the shift. Types stay strict, and so does the
label: it must be present, and its values must be among the model's classes (a regression
label: any number),
so a numeric column holding text, a missing label column or an unknown class
still stops the run. Integer features with few distinct values in the first span (drift.discrete_values: booleans, codes,
ratings, days of the week) and an integer label are declared categorical (`int_domain.is_categorical`),
so TFDV describes them by exact value counts in every span's and batch's statistics and drift compares
their shares, not a CDF interpolated between quantiles. Features present in every row of the first span are
tagged `adapt:required`: the model server rejects a request without them
(the tag only governs serving; spans may still have gaps). Every model, the first included, is
trained on data validated against this file; edit it to tighten or relax.
ImportSchemaGen reads a content-addressed copy, so an edit invalidates TFX's
cache and an unchanged file keeps cached results valid.

The file is the data contract, and it is versioned: each version carries its number as a schema annotation
(`adapt:schema-version:N`), so whatever reads a schema (Transform's raw metadata, hence the model info file and
the model server's metadata; the Schema artifact each validation and training read in ML Metadata) knows which
version it is. core/data/schema_changes.py makes the next version from a batch.
"""
import hashlib
import shutil
from pathlib import Path
from typing import Optional

from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

from core.contract import ModelPackage

REQUIRED_TAG = "adapt:required"  # a feature every serving request must carry
VERSION_TAG = "adapt:schema-version:"  # + the contract version's number, a schema-level annotation


def schema_version(schema) -> int:
    """The contract version a schema states (1 for a schema kept before versions)."""
    for tag in schema.annotation.tag:
        if tag.startswith(VERSION_TAG) and tag[len(VERSION_TAG):].isdigit():
            return int(tag[len(VERSION_TAG):])
    return 1


def with_version(schema, version: int):
    tags = [tag for tag in schema.annotation.tag if not tag.startswith(VERSION_TAG)]
    del schema.annotation.tag[:]
    schema.annotation.tag.extend(tags + [f"{VERSION_TAG}{version}"])
    return schema


def load_schema(path) -> schema_pb2.Schema:
    """A schema file (text format), read without TensorFlow: listing models and versions stays fast."""
    return text_format.Parse(Path(path).read_text(), schema_pb2.Schema())


def write_schema(schema, target: Path) -> Path:
    """Writes a schema file whole (a temporary file renamed into place)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".tmp")
    temporary.write_text(text_format.MessageToString(schema))
    temporary.replace(target)
    return target


def required_features(schema) -> list:
    """The features the schema marks required in serving requests."""
    return sorted(feature.name for feature in schema.feature if REQUIRED_TAG in feature.annotation.tag)


def integer_features(schema) -> list:
    return sorted(feature.name for feature in schema.feature if feature.type == schema_pb2.INT)


def categorical_integers(schema) -> list:
    """Integer features the schema declares categorical (described by value counts)."""
    return sorted(f.name for f in schema.feature if f.type == schema_pb2.INT and f.int_domain.is_categorical)


def declare_categorical(schema, distinct: dict, max_values: int):
    """Integer features with at most `max_values` distinct values ({feature: count}) become categorical."""
    for feature in schema.feature:
        if feature.type == schema_pb2.INT and 0 < distinct.get(feature.name, max_values + 1) <= max_values:
            feature.int_domain.is_categorical = True
    return schema


def curate(schema, config, model: ModelPackage, distinct: Optional[dict] = None):
    """The kept schema from an inferred one; `distinct` ({integer feature: distinct values in the first span})
    declares the discrete ones categorical.

    `config` is adapt.yaml's (core.config.Config, not imported: config sits above data); curation reads its
    drift.discrete_values, model.features (the roles), validation.min_domain_mass and
    validation.min_feature_presence."""
    declare_categorical(schema, distinct or {}, config.drift.discrete_values)
    open_domains = set(model.open_domain_features)
    ignored = {name for name, role in config.model.features.items() if role == "ignore"}  # models.tabular's roles
    for feature in schema.feature:
        if feature.name == model.label:
            if model.regression:  # a number: present in every row, described by quantiles, any value
                feature.ClearField("int_domain")
            else:
                _pin_label(schema, feature, model.classes)
            continue
        if feature.HasField("presence") and feature.presence.min_count == 0 and not feature.HasField("value_count"):
            # Never filled in the first span, so its type is a guess (BYTES): the first number a later span
            # brings would reject that span. Nothing can be learned from it yet; validation leaves it alone.
            feature.lifecycle_stage = schema_pb2.DEPRECATED
            continue
        filled_everywhere = feature.presence.min_fraction >= 1.0 and feature.value_count.min >= 1
        if filled_everywhere and feature.name not in ignored and REQUIRED_TAG not in feature.annotation.tag:
            # A value in every row of the first span: serving requests must carry it (edit the tag to change
            # that). An empty CSV cell is a present feature without a value, so presence alone is not enough.
            feature.annotation.tag.append(REQUIRED_TAG)
        if feature.name in open_domains:
            _open_domain(schema, feature)
        elif feature.HasField("domain") or feature.HasField("string_domain"):
            feature.distribution_constraints.min_domain_mass = config.validation.min_domain_mass
        if feature.presence.min_fraction > config.validation.min_feature_presence:
            feature.presence.min_fraction = config.validation.min_feature_presence
        if feature.HasField("value_count"):
            # An empty cell reaches TFDV as a feature with no value: allowed for optional features
            # (presence governs how many); more than one value still is not.
            feature.value_count.ClearField("min")
    return schema


def _pin_label(schema, feature, classes) -> None:
    """The label's values must be the model's classes: a string domain of them, or an integer range."""
    if feature.type == 2 and all(c.lstrip("-").isdigit() for c in classes):  # INT
        feature.int_domain.min, feature.int_domain.max = min(map(int, classes)), max(map(int, classes))
        feature.int_domain.is_categorical = True  # classes: compared by their shares
        return
    if feature.type != 1:  # not BYTES: a float label has no class domain to pin
        return
    if feature.HasField("domain"):
        name = feature.domain
        domain = next((d for d in schema.string_domain if d.name == name), None)
    else:
        domain = feature.string_domain
    if domain is not None:
        del domain.value[:]
        domain.value.extend(classes)
    feature.distribution_constraints.min_domain_mass = 1.0


def _open_domain(schema, feature) -> None:
    name = feature.domain if feature.HasField("domain") else None
    feature.ClearField("domain")
    if name and not any(other.domain == name for other in schema.feature):
        for domain in [domain for domain in schema.string_domain if domain.name == name]:
            schema.string_domain.remove(domain)
    feature.ClearField("string_domain")
    feature.ClearField("distribution_constraints")


def inferred_schema(inferred_schema_uri: str):
    return load_schema(Path(inferred_schema_uri) / "schema.pbtxt")


def keep_schema(inferred_schema_uri: str, target: Path, config, model: ModelPackage,
                distinct: Optional[dict] = None) -> Path:
    """Writes the curated copy of a SchemaGen output (a folder holding schema.pbtxt) to target: version 1."""
    schema = curate(inferred_schema(inferred_schema_uri), config, model, distinct)
    return write_schema(with_version(schema, 1), target)


def content_addressed_copy(schema_file: Path, under: Path) -> str:
    """An immutable copy named by the contract's version and the file's hash (`v2-<hash>`): what ImportSchemaGen
    is given."""
    digest = hashlib.sha256(Path(schema_file).read_bytes()).hexdigest()[:16]
    version = schema_version(load_schema(schema_file))
    target = Path(under) / "imported-schemas" / f"v{version}-{digest}" / "schema.pbtxt"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(schema_file, target)
    return str(target)


def version_in_folder(uri: str) -> Optional[int]:
    """The contract version of the schema in a Schema artifact's folder (ImportSchemaGen's output, a copy of the
    kept file); None when the file is not there (a store on another machine)."""
    path = Path(uri) / "schema.pbtxt"
    return schema_version(load_schema(path)) if path.is_file() else None
